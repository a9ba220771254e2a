from django.urls import path

from coope.people import views

app_name = "people"
urlpatterns = [
    path("", views.desk, name="desk"),
    path("personnes/nouvelle/", views.person_create, name="person_create"),
    path("personnes/<int:pk>/", views.person_detail, name="person"),
    path("personnes/<int:pk>/modifier/", views.person_edit, name="person_edit"),
    path("foyers/nouveau/", views.household_create, name="household_create"),
    path("foyers/<int:pk>/", views.household_detail, name="household"),
    path("foyers/<int:pk>/membres/", views.household_add_member, name="household_add_member"),
    path(
        "foyers/<int:pk>/membres/<int:link_pk>/depart/",
        views.household_remove_member,
        name="household_remove_member",
    ),
    path("foyers/<int:pk>/quotient/", views.household_quotient, name="household_quotient"),
    path("passages/nouveau/", views.visit_create, name="visit_create"),
]
