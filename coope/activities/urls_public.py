from django.urls import path

from coope.activities import views_public

app_name = "agenda"
urlpatterns = [
    path("<slug:slug>/", views_public.agenda, name="agenda"),
    path("<slug:slug>/evenements/<int:pk>/", views_public.event, name="event"),
    path("<slug:slug>/agenda.ics", views_public.feed, name="feed"),
    path("<slug:slug>/maisons/<int:house_id>/agenda.ics", views_public.feed, name="house_feed"),
]
