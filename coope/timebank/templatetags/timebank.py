from django import forms, template

from coope.timebank.models import format_minutes

register = template.Library()


@register.filter
def hours(minutes) -> str:
    """`{{ account.balance_minutes|hours }}` → 12 h 30."""
    if minutes is None or minutes == "":
        return "—"
    return format_minutes(int(minutes))


@register.filter
def chosen(form, name: str) -> list:
    """`{{ form|chosen:"receivers" }}`: the accounts already picked in a person field of a form
    (coope.timebank.forms.PersonPickerMixin), shown again when the form comes back with an error."""
    return form.chosen(name)


@register.filter
def picks_several(field) -> bool:
    """True for a bound field that takes several people (ticked boxes), False for one (a radio)."""
    return isinstance(field.field, forms.ModelMultipleChoiceField)
