from django import template

from coope.activities.dates import day_format

register = template.Library()


@register.filter
def day(value, fmt: str = "j F Y") -> str:
    """`{{ session.starts_at|day:"l j F Y" }}`: « samedi 1er décembre 2018 »."""
    if not value:
        return ""
    return day_format(value, fmt)
