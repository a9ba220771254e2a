from django.urls import path

from coope.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/rapport.pdf", views.report_pdf, name="pdf"),
    path("<int:pk>/pdf/<int:job>/", views.pdf_job, name="pdf_job"),
    path("<int:pk>/pdf/<int:job>/rapport.pdf", views.pdf_file, name="pdf_file"),
    path("<int:pk>/chiffres.json", views.report_json, name="json"),
    path("<int:pk>/chiffres.<str:fmt>", views.report_sheet, name="sheet"),
    path("<int:pk>/modifier/", views.report_update, name="update"),
    path("<int:pk>/suivant/", views.report_next, name="next"),
    path("<int:pk>/publier/", views.report_publish, name="publish"),
    path("<int:pk>/sections/ajouter/", views.section_add, name="section_add"),
    path("sections/<int:pk>/modifier/", views.section_update, name="section_update"),
    path("sections/<int:pk>/retirer/", views.section_remove, name="section_remove"),
    path("sections/<int:pk>/deplacer/", views.section_move, name="section_move"),
    path("sections/<int:pk>/chiffres/ajouter/", views.figure_add, name="figure_add"),
    path("sections/<int:pk>/textes/ajouter/", views.text_add, name="text_add"),
    path("chiffres/<int:pk>/", views.figure_records, name="records"),
    path("chiffres/<int:pk>/modifier/", views.figure_update, name="figure_update"),
    path("chiffres/<int:pk>/retirer/", views.figure_remove, name="figure_remove"),
    path("chiffres/<int:pk>/deplacer/", views.figure_move, name="figure_move"),
    path("textes/<int:pk>/", views.text_show, name="text_show"),
    path("textes/<int:pk>/modifier/", views.text_edit, name="text_edit"),
    path("textes/<int:pk>/retirer/", views.text_remove, name="text_remove"),
    path("textes/<int:pk>/deplacer/", views.text_move, name="text_move"),
]
