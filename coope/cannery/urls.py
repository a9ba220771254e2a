from django.urls import path

from coope.cannery import views

app_name = "cannery"
urlpatterns = [
    path("", views.index, name="index"),
    path("collectes/nouvelle/", views.collection_create, name="collection_create"),
    path("collectes/<int:pk>/", views.collection_detail, name="collection"),
    path("fabrications/nouvelle/", views.batch_create, name="batch_create"),
    path("fabrications/<int:pk>/", views.batch_detail, name="batch"),
    path("fabrications/<int:pk>/etiquettes.pdf", views.labels_pdf, name="labels"),
    path("lots/<int:pk>/", views.lot_detail, name="lot"),
    path("lots/<int:pk>/rappel/", views.lot_recall, name="recall"),
    path("lots/<int:pk>/rappel.pdf", views.recall_statement_pdf, name="recall_statement"),
    path("lots/<int:pk>/<slug:action>/", views.lot_move, name="lot_move"),
    path("tournees/", views.tours, name="tours"),
    path("producteurs/", views.producers, name="producers"),
]
