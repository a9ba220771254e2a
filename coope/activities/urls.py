from django.urls import path

from coope.activities import views

app_name = "activities"
urlpatterns = [
    path("seances/<int:pk>/feuille.pdf", views.attendance_sheet_pdf, name="attendance_sheet"),
]
