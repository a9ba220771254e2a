from django.urls import path

from coope.membership import views, views_card, views_setup

app_name = "membership"
urlpatterns = [
    path("nouvelle/", views.take, name="take"),
    path("<int:pk>/", views.done, name="done"),
    path("<int:pk>/carte.pdf", views_card.card_pdf, name="card_pdf"),
    path("carte/", views.check_card, name="check_card"),
    path("a-renouveler/", views.renewals, name="renewals"),
    path("a-renouveler.<str:fmt>", views.renewals_export, name="renewals_export"),
    path("<int:pk>/renouveler/", views.renew, name="renew"),
    path("configuration/regles/", views_setup.rules, name="setup_rules"),
    path("configuration/periodes/", views_setup.periods, name="setup_periods"),
    path("configuration/periodes/suivante/", views_setup.open_next, name="setup_open_next"),
    path("configuration/periodes/<int:pk>/", views_setup.period_edit, name="setup_period"),
    path("configuration/periodes/<int:pk>/tarifs/", views_setup.fees, name="setup_fees"),
]
