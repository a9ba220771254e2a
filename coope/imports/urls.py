from django.urls import path

from coope.imports import views as views_data

app_name = "data"
urlpatterns = [
    path("", views_data.index, name="index"),
    path("importer/", views_data.upload, name="import"),
    path("importer/resultat/", views_data.result, name="import_result"),
    path("importer/<slug:token>/", views_data.preview, name="import_preview"),
    path("importer/<slug:token>/confirmer/", views_data.confirm, name="import_confirm"),
    path("importer/<slug:token>/annuler/", views_data.cancel, name="import_cancel"),
    path("export/<slug:slug>.<str:fmt>", views_data.export, name="export"),
]
