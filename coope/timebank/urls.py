from django.urls import path

from coope.timebank import views, views_setup

app_name = "timebank"
urlpatterns = [
    path("", views.me, name="me"),
    path("avis/lus/", views.notices_read, name="notices_read"),
    path("releve/", views.my_statement, name="statement"),
    path("echanges/nouveau/", views.exchange_new, name="exchange_new"),
    path("echanges/personnes/", views.member_search, name="member_search"),
    path("echanges/reponse/<str:token>/", views.exchange_answer, name="exchange_answer"),
    path("echanges/<int:pk>/<str:decision>/", views.exchange_decide, name="exchange_decide"),
    path("annonces/", views.listings, name="listings"),
    path("comptes/", views.accounts, name="accounts"),
    path("comptes/ouvrir/", views.open_account, name="open"),
    path("comptes/<int:pk>/", views.account_detail, name="account"),
    path("comptes/<int:pk>/releve/", views.account_statement, name="account_statement"),
    path("comptes/<int:pk>/limites/", views.account_limits, name="limits"),
    path(
        "echanges/<int:pk>/accueil/<str:decision>/",
        views.front_desk_answer,
        name="front_desk_answer",
    ),
    path("cheque/", views.paper_cheque, name="cheque"),
    path("cheque/personnes/", views.staff_search, name="staff_search"),
    path("virements/<int:pk>/annuler/", views.reverse, name="reverse"),
    path("regles/", views_setup.rules, name="setup_rules"),
]
