def test_lessons_are_listed_in_lecture_order(client):
    lessons = client.get("/api/v1/lessons").json()
    assert lessons[0]["id"] == "xor-linear" and {"id", "title", "slide", "summary"} <= set(lessons[0])


def test_lesson_has_panels_and_checked_facts(client):
    lesson = client.get("/api/v1/lessons/xor-relu").json()
    assert lesson["panels"] and lesson["text"]
    facts = {fact["id"]: fact for fact in lesson["facts"]}
    assert facts["predictions"]["value"] == [0, 1, 1, 0] and facts["predictions"]["passed"]


def test_cost_saturation_facts(client):
    facts = client.get("/api/v1/lessons/cost-saturation").json()["facts"]
    assert facts and all(fact["passed"] for fact in facts if "passed" in fact)


def test_unknown_lesson_is_404_naming_the_choices(client):
    response = client.get("/api/v1/lessons/nope")
    assert response.status_code == 404 and "xor-relu" in response.json()["detail"]
