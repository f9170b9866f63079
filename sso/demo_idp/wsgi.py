"""WSGI entry point of the demo identity provider (`make run` serves it with gunicorn)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sso.demo_idp.settings")
application = get_wsgi_application()
