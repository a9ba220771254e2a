from django.urls import path

from coope.mobility import views

app_name = "mobility"

urlpatterns = [
    path("", views.index, name="index"),
    path("reservation/<int:pk>/sortie/", views.check_out, name="check_out"),
    path("reservation/<int:pk>/retour/", views.check_in, name="check_in"),
    path("reservation/<int:pk>/annuler/", views.cancel, name="cancel"),
    path("vehicule/<int:pk>/", views.unit, name="unit"),
    path("achat-groupe/", views.plans, name="plans"),
    path("prets.<str:fmt>", views.loans_export, name="loans_export"),
    path("achat-groupe.<str:fmt>", views.plans_export, name="plans_export"),
    path("trajets/", views.rides, name="rides"),
    path("emprunter/", views.free, name="free"),
]
