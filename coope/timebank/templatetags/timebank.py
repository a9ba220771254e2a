from django import template

from coope.timebank.models import format_minutes

register = template.Library()


@register.filter
def hours(minutes) -> str:
    """`{{ account.balance_minutes|hours }}` → 12 h 30."""
    if minutes is None or minutes == "":
        return "—"
    return format_minutes(int(minutes))
