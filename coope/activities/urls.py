from django.urls import path

from coope.activities import views, views_brochure

app_name = "activities"
urlpatterns = [
    path("", views.activity_list, name="list"),
    path("nouvelle/", views.activity_create, name="create"),
    path("<int:pk>/", views.activity_detail, name="detail"),
    path("seances/<int:pk>/", views.session_detail, name="session"),
    path("seances/<int:pk>/chercher/", views.session_search, name="session_search"),
    path("seances/<int:pk>/inscrire/", views.register, name="register"),
    path("inscriptions/<int:pk>/annuler/", views.cancel_registration, name="cancel_registration"),
    path("seances/<int:pk>/comptage/", views.headcount, name="headcount"),
    path("seances/<int:pk>/presences/", views.attendance, name="attendance"),
    path("seances/<int:pk>/presences/cocher/", views.tick, name="tick"),
    path("seances/<int:pk>/presences/nouvelle-personne/", views.walk_in_new, name="walk_in_new"),
    path("seances/<int:pk>/feuille.pdf", views.attendance_sheet_pdf, name="attendance_sheet"),
    path("benevolat/", views.volunteer_hours, name="volunteer_hours"),
    path("benevolat/chercher/", views.volunteer_search, name="volunteer_search"),
    path("plaquette/<int:year>.pdf", views_brochure.brochure_pdf, name="brochure"),
]
