from django import template

register = template.Library()


@register.filter
def euros(cents) -> str:
    """1250 -> '12,50 €' (amounts are stored in cents)."""
    if cents in (None, ""):
        return ""
    return f"{int(cents) / 100:,.2f} €".replace(",", " ").replace(".", ",")
