from voiceguide.engine.speechtime import estimate_seconds


def test_longer_text_and_slower_rate_take_longer():
    assert estimate_seconds("Step 1 of 10: Rub.", 160) < estimate_seconds("Step 1 of 10: Rub the lower area.", 160)
    assert estimate_seconds("thirty six", 120) > estimate_seconds("thirty six", 200)


def test_numbers_count_as_the_words_spoken():
    assert estimate_seconds("36", 160) == estimate_seconds("thirty six", 160)
    assert estimate_seconds("100", 160) == estimate_seconds("one hundred", 160)
    assert estimate_seconds("7", 160) == estimate_seconds("seven", 160)
