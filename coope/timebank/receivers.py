"""TIC-TAC's answers to events of other apps."""

from django.dispatch import receiver

from coope.people.privacy import person_anonymised, replace_name
from coope.timebank.models import Notice


@receiver(person_anonymised)
def erase_name_from_notices(sender, *, person, old_label, **kwargs):
    """A notice to the other party of an exchange may name the anonymised person."""
    if len(old_label.strip()) < 4:
        return
    notices = list(
        Notice.objects.filter(cooperation_id=person.cooperation_id, message__icontains=old_label)
    )
    for notice in notices:
        notice.message = replace_name(notice.message, old_label, str(person))
    Notice.objects.bulk_update(notices, ["message"])
