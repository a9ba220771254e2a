app_name = "timebank"
urlpatterns: list = []
