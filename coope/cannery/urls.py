app_name = "cannery"
urlpatterns: list = []
