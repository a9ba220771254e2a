"""`{% load cannery %}`: weights in kilograms and soups in litres, as the cannery writes them
(exact)."""

from django import template

from coope.cannery.models import kilos as kilos_of

register = template.Library()


@register.filter
def kilos(grams) -> str:
    """13296 -> « 13,296 kg » (a no-break space: the unit never goes to the next line);
    nothing for no weight."""
    if grams in (None, ""):
        return ""
    return kilos_of(int(grams)).replace(" kg", "\u00a0kg")


@register.filter
def litres(centilitres) -> str:
    """714 -> « 7,14 L », as the key figures count soups."""
    if centilitres in (None, ""):
        return ""
    whole, rest = divmod(int(centilitres), 100)
    decimals = f"{rest:02d}".rstrip("0")
    return f"{whole},{decimals}\u00a0L" if decimals else f"{whole}\u00a0L"
