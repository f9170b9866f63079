"""Static files storage for production: whitenoise's compressed manifest storage that
remembers each `url()` it gave.

Every page links the same few files through `{% static %}`; each call looks the name up
in the manifest and builds the URL again. The manifest does not change while the
process runs (collectstatic writes a new one, and a deploy restarts the workers), so
the answer for a name is kept for the life of the storage. `collectstatic` itself
(`post_process`) starts from an empty memory.
"""

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force or settings.DEBUG:  # with DEBUG on, Django links the unhashed files
            return super().url(name, force=force)
        try:
            return self._urls[name]
        except KeyError:
            url = self._urls[name] = super().url(name)
            return url

    def post_process(self, *args, **kwargs):
        self._urls.clear()
        yield from super().post_process(*args, **kwargs)
        self._urls.clear()
