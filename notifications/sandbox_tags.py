"""The only tags an edited email template may use (the sandbox engine's builtins).

No `load`, `include`, `extends`, `url`, `for` or `debug`: nothing that reads files,
other templates, libraries, URLs or walks collections.
"""

from django.template import Library, defaulttags

ALLOWED_TAGS = ("if", "with", "comment", "autoescape", "spaceless", "now")

register = Library()
for _name in ALLOWED_TAGS:
    register.tag(_name, defaulttags.register.tags[_name])
