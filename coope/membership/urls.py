from django.urls import path

from coope.membership import views

app_name = "membership"
urlpatterns = [
    path("carte/", views.check_card, name="check_card"),
]
