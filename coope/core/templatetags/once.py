"""`{% once %}`: the one-time key of a create form (`coope.core.once`), put next to
`{% csrf_token %}`. A form shown again after a POST with errors carries the key that POST
brought (the first `{% once %}` of the page), so the corrected form, sent twice, records once."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from coope.core import once as keys

register = template.Library()

_REUSED = "_once_key_reused"


@register.simple_tag(takes_context=True)
def once(context) -> SafeString:
    request = context.get("request")
    key = None
    if request is not None and not getattr(request, _REUSED, False):
        key = keys.posted_key(request)
        if key is not None:
            setattr(request, _REUSED, True)
    return format_html(
        '<input type="hidden" name="{}" value="{}">', keys.FIELD, key or keys.new_key()
    )
