from django.urls import path

from coope.mobility import views

app_name = "mobility"

urlpatterns = [
    path("", views.index, name="index"),
    path("reservation/<int:pk>/sortie/", views.check_out, name="check_out"),
    path("reservation/<int:pk>/retour/", views.check_in, name="check_in"),
    path("reservation/<int:pk>/annuler/", views.cancel, name="cancel"),
    path("vehicule/<int:pk>/", views.unit, name="unit"),
    path("vehicule/ajouter/", views.add_unit, name="add_unit"),
    path("achat-groupe/", views.plans, name="plans"),
    path("achat-groupe/nouveau/", views.add_purchase, name="add_purchase"),
    path("achat-groupe/<int:pk>/facture/", views.invoice, name="invoice"),
    path("achat-groupe/plan/", views.add_plan, name="add_plan"),
    path("achat-groupe/plan/<int:pk>/paiement/", views.plan_payment, name="plan_payment"),
    path("prets.<str:fmt>", views.loans_export, name="loans_export"),
    path("achat-groupe.<str:fmt>", views.plans_export, name="plans_export"),
    path("trajets/", views.rides, name="rides"),
    path("trajets/demander/", views.request_ride, name="request_ride"),
    path("trajets/<int:pk>/fait/", views.complete_ride, name="complete_ride"),
    path("velo-ecole/", views.school, name="school"),
    path("velo-ecole/<int:pk>/", views.cycle, name="cycle"),
    path("emprunter/", views.free, name="free"),
]
