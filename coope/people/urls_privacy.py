from django.urls import path

from coope.people import views_privacy

app_name = "privacy"
urlpatterns = [
    path("personnes/<int:pk>/consentements/", views_privacy.consents, name="consents"),
    path("personnes/<int:pk>/export.json", views_privacy.export_json, name="export_json"),
    path("personnes/<int:pk>/export.pdf", views_privacy.export_pdf, name="export_pdf"),
    path("personnes/<int:pk>/anonymiser/", views_privacy.anonymise, name="anonymise"),
    path("personnes/<int:pk>/journal/", views_privacy.audit_log, name="audit"),
]
