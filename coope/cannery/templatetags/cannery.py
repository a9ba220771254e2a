"""`{% load cannery %}`: weights as the cannery writes them, in kilograms (exact)."""

from django import template

from coope.cannery.models import kilos as kilos_of

register = template.Library()


@register.filter
def kilos(grams) -> str:
    """13296 -> « 13,296 kg »; nothing for no weight."""
    if grams in (None, ""):
        return ""
    return kilos_of(int(grams))
