from renkou.worklists import views

app_name = "worklists"
urlpatterns = [*views.urlpatterns]
