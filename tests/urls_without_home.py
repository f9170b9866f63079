"""A URLconf without the portal's pages (tests/test_template_urls.py)."""

urlpatterns = []
