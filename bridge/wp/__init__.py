"""WordPress itself, as a service outside PHP must see it: its database and formats.

Nothing here knows of the CRM or of Flask.
"""
