from django.urls import path

from coope.mobility import views

app_name = "mobility"

urlpatterns = [
    path("", views.index, name="index"),
    path("emprunter/", views.free, name="free"),
]
