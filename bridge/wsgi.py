"""The WSGI entry point for gunicorn: `bridge.wsgi:app`."""

from . import create_app

app = create_app()
