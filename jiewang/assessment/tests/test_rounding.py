from jiewang.assessment.rounding import round_half_up


def test_a_half_goes_up_where_python_would_go_to_even():
    assert round(65.625, 2) == 65.62 and round_half_up(65.625, 2) == 65.63
    assert round(0.4453125, 6) == 0.445312 and round_half_up(0.4453125, 6) == 0.445313
    assert round_half_up(2 / 3, 6) == 0.666667 and round_half_up(1 / 3, 6) == 0.333333
    assert round_half_up(55.46875, 4) == 55.4688 and round_half_up(100.0, 4) == 100.0 and round_half_up(0.0, 2) == 0.0
    assert round_half_up(-65.625, 2) == -65.63 and round_half_up(-0.4, 0) == 0.0
