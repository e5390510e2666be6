from jiewang.assessment.rounding import round_half_up


def test_a_half_goes_up_where_python_would_go_to_even():
    assert round(65.625, 2) == 65.62 and round_half_up(65.625, 2) == 65.63
    assert round(0.4453125, 6) == 0.445312 and round_half_up(0.4453125, 6) == 0.445313
    assert round_half_up(2 / 3, 6) == 0.666667 and round_half_up(1 / 3, 6) == 0.333333
    assert round_half_up(55.46875, 4) == 55.4688 and round_half_up(100.0, 4) == 100.0 and round_half_up(0.0, 2) == 0.0
    assert round_half_up(-65.625, 2) == -65.63 and round_half_up(-0.4, 0) == 0.0


def test_a_half_through_float_noise_is_a_half():
    # (10 × 78.0308 + 50 × 70.3012 + 40 × 46.0283) / 100 is 61.365 on paper; the doubles' sum is
    # 61.365 in one order and 61.36499999999999 in the other, and both round up
    a = (10 * 78.0308 + 50 * 70.3012 + 40 * 46.0283) / 100
    b = (40 * 46.0283 + 50 * 70.3012 + 10 * 78.0308) / 100
    assert a != b
    assert round_half_up(a, 2) == round_half_up(b, 2) == 61.37
    assert round_half_up(86.2249999, 2) == 86.22  # a true value below the half stays below
    assert round_half_up(0.0000004999, 6) == 0.0 and round_half_up(0.0000005, 6) == 0.000001
    assert round_half_up(-86.22499999999999, 2) == -86.23


def test_the_array_rounding_is_the_scalar_rounding():
    import random

    import numpy as np

    from jiewang.assessment.rounding import round_half_up_array

    rnd = random.Random(7)
    xs = [rnd.randint(0, 10**7) / 10**7 for _ in range(2000)] + [0.4453125, 0.0000005, 61.365, 65.625, 0.0, 1.0]
    for digits in (2, 4, 6):
        assert round_half_up_array(np.array(xs), digits).tolist() == [round_half_up(x, digits) for x in xs]
