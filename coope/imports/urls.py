from django.urls import path

from coope.imports import views as views_data

app_name = "data"
urlpatterns = [
    path("", views_data.index, name="index"),
    path("importer/", views_data.upload, name="import"),
    path("importer/<slug:token>/", views_data.job, name="import_job"),
    path("importer/<slug:token>/confirmer/", views_data.confirm, name="import_confirm"),
    path("importer/<slug:token>/annuler/", views_data.cancel, name="import_cancel"),
    path("importer/<slug:token>/problemes.<str:fmt>", views_data.problems, name="import_problems"),
    path("aide/<slug:kind>/", views_data.kind_help, name="kind_help"),
    path("modele.<str:fmt>", views_data.template, name="template"),
    path("export/<slug:slug>.<str:fmt>", views_data.export, name="export"),
]
