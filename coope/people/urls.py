from django.urls import path

from coope.people import views

app_name = "people"
urlpatterns = [
    path("", views.desk, name="desk"),
]
