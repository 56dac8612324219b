from bridge import create_app


def test_healthz_answers_ok_when_the_database_is_there(client):
    response = client.get("/portal/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_gone(app_config, tmp_path):
    app_config["BRIDGE_DATABASE_URL"] = "mysql://nobody:wrong@127.0.0.1:1/none"
    app = create_app(app_config)

    response = app.test_client().get("/portal/healthz")

    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"
