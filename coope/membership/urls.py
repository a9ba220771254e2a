from django.urls import path

from coope.membership import views, views_card

app_name = "membership"
urlpatterns = [
    path("nouvelle/", views.take, name="take"),
    path("<int:pk>/", views.done, name="done"),
    path("<int:pk>/carte.pdf", views_card.card_pdf, name="card_pdf"),
    path("carte/", views.check_card, name="check_card"),
    path("a-renouveler/", views.renewals, name="renewals"),
    path("a-renouveler.<str:fmt>", views.renewals_export, name="renewals_export"),
    path("<int:pk>/renouveler/", views.renew, name="renew"),
]
