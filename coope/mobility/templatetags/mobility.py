from django import template

from coope.mobility import services

register = template.Library()


@register.filter
def euros(cents: int | None) -> str:
    """Cents as a French reader writes euros: 1 599,99 €."""
    return "—" if cents is None else services.euros(cents)


@register.filter
def hours(minutes: int) -> str:
    return services.hours(minutes)
