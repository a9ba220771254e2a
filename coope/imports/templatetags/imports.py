"""Numbers on the data pages as French readers write them (2 635, with a narrow no-break space)."""

from django import template

from coope.lib.indicators import french_number

register = template.Library()


@register.filter
def number(value) -> str:
    try:
        return french_number(int(value), 0)
    except (TypeError, ValueError):
        return str(value)
