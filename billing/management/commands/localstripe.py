"""Serve localstripe, a stateful fake Stripe (API and Stripe.js), on 127.0.0.1.

For development and the demo: `make run` starts it beside the portal. It binds the
loopback address only, keeps its state in a file of our own (not the shared
/tmp/localstripe.pickle), and sends its webhooks, signed with the configured secret,
to the portal's webhook URL.
"""

import pickle
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import reverse


class Command(BaseCommand):
    help = "Serve localstripe (a fake Stripe API and Stripe.js) on 127.0.0.1 for development."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8420)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--store",
            default="var/localstripe.pickle",
            help="Where its state is kept between runs; empty for none.",
        )
        parser.add_argument(
            "--webhook-url",
            default="",
            help="Where its events go (default: the portal's webhook URL on SITE_URL).",
        )

    def handle(self, *args, port, host, store, webhook_url, **options):
        try:
            from aiohttp import web
            from localstripe import resources, server, webhooks
        except ImportError:
            self.stderr.write("localstripe is not installed: pip install -e '.[dev]'")
            raise SystemExit(1) from None
        _keep_state_in(resources.Store, store)
        if store:
            resources.store.try_load_from_disk()
        secret = settings.STRIPE_WEBHOOK_SECRET
        url = webhook_url or settings.SITE_URL.rstrip("/") + reverse("billing:webhook")
        if secret:
            webhooks.register_webhook("orgportal", url, secret, None)
            self.stdout.write(f"localstripe: webhooks to {url}")
        self.stdout.write(f"localstripe: serving on http://{host}:{port}")
        web.run_app(server.app, host=host, port=port, print=None, access_log=None)


def _keep_state_in(store_class, path: str) -> None:
    """Point localstripe's save and load at `path` (or nowhere, for an empty path)."""

    def load(self):
        if not path or not Path(path).exists():
            return
        with open(path, "rb") as file:
            old = pickle.load(file)
        self.update(old)

    def dump(self):
        if not path:
            return
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as file:
            pickle.dump(self, file, protocol=pickle.HIGHEST_PROTOCOL)

    store_class.try_load_from_disk = load
    store_class.dump_to_disk = dump
