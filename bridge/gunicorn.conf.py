"""gunicorn settings for `portal-bridge serve`; each can be overridden by environment.

Workers are stateless and share only the WordPress database, so any number of them
may run on any number of hosts.
"""

import multiprocessing
import os

bind = os.environ.get("BRIDGE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("BRIDGE_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("BRIDGE_THREADS", "2"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("BRIDGE_LOG_LEVEL", "info")
forwarded_allow_ips = os.environ.get("BRIDGE_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Fail fast at start-up on a bad configuration instead of in every worker.
preload_app = True
