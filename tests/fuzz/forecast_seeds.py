#!/usr/bin/python3
"""forecast_seeds.py — (re)write tests/fuzz/corpus_forecast/, the seeds of
fuzz_forecast.c, with the byte layout described at the top of that file.

  /usr/bin/python3 tests/fuzz/forecast_seeds.py

Standard library only (no extension needed):
  fixture_<name>.env   0x40 + a model of fixtures/models/forecast_v1.hex, whole
  fixture_<name>.fix   0x60 + the same (length and checksum fixed up first)
  fixture_<name>.pay   0x01 + its payload (the bytes before the 8-byte footer,
                       after the header's schema and meta sections), decoded
                       as payload version 1
  fixture_v2_<name>.*  the same of fixtures/models/forecast_v2.hex (payload
                       version 2: every core, transforms, candidates), the
                       .pay with 0x00 (decoded as version 2)
  train_<what>.bin     training inputs: hand-made records and synthetic series
                       (every method, transforms, ARIMA orders, max_models)
Deterministic: the same fixtures give the same files.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(HERE, "corpus_forecast")

# byte 0 of a training input: 0x80 | step index | reverse (0x10) | generator << 5
STEP = {"1": 0, "minute": 1, "hour": 2, "day": 3, "week": 4, "month": 5, "7": 8, "months": 12, "quarters": 13}
METHOD = {"auto": 0, "ets": 1, "mstl": 2, "naive": 3, "snaive": 4, "arima": 5, "theta": 6}
SEASONS = {"detect": 0, "none": 1, "one": 2, "two": 3}
SCALE = {1: 0, 1e-300: 1, 5e-324: 2, 1e300: 3, 1e-8: 4, 1e8: 5, 0.01: 6, 1e150: 7}
T0 = {0: 0, 1.7e9: 1, -1e6: 2, 1e15: 3}


TRANSFORM = {"none": 0, "log": 1, "boxcox": 2}  # else a lambda: (k - 20) / 20, k in 0..60
CONSTANT = {None: 0, False: 1, True: 2}


def header(gen, step, method="auto", fill=0, seasons="detect", p0=2, p1=2, error=0, trend=0, season=0,
           damped=0, t0=1.7e9, scale=1, text=0, reverse=0, transform="none", order=None, sorder=None,
           constant=None, max_models=10):
    """Bytes 0-11 of a training input (fuzz_forecast.c's layout)."""
    b0 = 0x80 | STEP[step] | (0x10 if reverse else 0) | gen << 5
    b1 = METHOD[method] | fill << 3 | SEASONS[seasons] << 5
    b6 = error | trend << 2 | season << 4 | damped << 6
    b7 = T0[t0] | SCALE[scale] << 2 | text << 5
    if transform in TRANSFORM:
        b8 = TRANSFORM[transform]
    else:  # a lambda of the grid
        k = round(transform * 20 + 20)
        assert 0 <= k <= 60 and (k - 20) / 20 == transform, transform
        b8 = 3 | k << 2
    p, d, q = order if order else (0, 3, 0)  # d = 3: searched
    b9 = p | q << 3 | d << 6
    P, D, Q = sorder if sorder else (0, 0, 0)
    b10 = P | Q << 2 | D << 4 | (1 << 5 if sorder else 0) | CONSTANT[constant] << 6
    b11 = max_models - 1
    assert 1 <= max_models <= 10
    return bytes([b0, b1]) + struct.pack("<HH", p0 - 2, p1 - 2) + bytes([b6, b7, b8, b9, b10, b11])


def synthetic(n, level, slope, amp, cyc, noise, edits=()):
    """Bytes 12.. of a synthetic input: n, level, slope, amplitude, cycle, noise, edits."""
    out = struct.pack("<Hddd", n, level, slope, amp) + bytes([cyc - 2, noise])
    for op, idx, arg in edits:
        out += struct.pack("<BHB", op, idx, arg)
    return out


def records(values, gaps=None, tags=None):
    """Bytes 12.. of a records input: one i8 value a record (tag 0), or the given tags."""
    out = b""
    for i, v in enumerate(values):
        tag = (gaps or {}).get(i, 0)
        out += bytes([tag]) + struct.pack("<b", v)
    return out


def envelope_payload(blob):
    s_len, m_len, p_len = struct.unpack_from("<IIQ", blob, 24)
    end = len(blob) - 8
    assert 48 + s_len + m_len + p_len == end
    return blob[end - p_len:end]


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def main():
    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):  # a rewrite: no seed of an older layout stays
        if old.startswith(("fixture_", "train_")):
            os.remove(os.path.join(OUT, old))
    # byte 0 of a payload seed: bits 0-1 the version to decode it as (0: 2, 1: 1)
    for fix, prefix, pay in (("forecast_v1.hex", "fixture_", b"\x01"), ("forecast_v2.hex", "fixture_v2_", b"\x00")):
        with open(os.path.join(ROOT, "fixtures", "models", fix)) as f:
            for line in f:
                if not line.strip():
                    continue
                name, hx = line.split()
                blob = bytes.fromhex(hx)
                write("%s%s.env" % (prefix, name), b"\x40" + blob)
                write("%s%s.fix" % (prefix, name), b"\x60" + blob)
                write("%s%s.pay" % (prefix, name), pay + envelope_payload(blob))
    day = [int(20 * abs((i % 24) - 12) / 12) - 10 + ((i % 24) * 7 % 5) for i in range(24 * 6)]
    seeds = {
        # hours from records, a daily cycle, the day detected, ETS(A,N,A)
        "records_hourly": header(0, "hour", method="ets", error=1, trend=1, season=2) + records(day),
        # the same with a gap of 3 hours (tag 5 | 1 << 3) and a NULL value (tag 7), fill zero
        "records_gaps": header(0, "hour", method="ets", error=1, trend=1, season=2, fill=1) +
                        records(day, gaps={30: 5 | 1 << 3, 50: 7}),
        # a duplicate time (tag 6): refused
        "records_duplicate": header(0, "day") + records(day[:40], gaps={12: 6}),
        # 1.37 steps (tag 6 | 8): refused
        "records_irregular": header(0, "day") + records(day[:40], gaps={12: 6 | 8}),
        # constant runs (tag 2 << 6: the previous value) with huge values: naive, sigma 0
        "records_constant": header(0, "minute", method="ets", scale=1e300) + bytes([0, 7]) + bytes([0x80] * 30),
        # f64 values (tag 1 << 6): tiny, negative, zero, huge
        "records_f64": header(0, "1", method="naive") + b"".join(
            bytes([0x40]) + struct.pack("<d", v) for v in (5e-324, -1.5, 0.0, 1e308, -1e308, 2.5, 1e-300, 7.0)),
        # synthetic: 120 hours, a daily cycle, ETS(A,A,A) with the day
        "synth_ets_hourly": header(1, "hour", method="ets", seasons="one", p0=24, error=1, trend=2, season=2,
                                   damped=1) + synthetic(120, 50, 0.02, 20, 24, 16),
        # 60 points of step 1 with a cycle of 6: no calendar candidate, so no season; auto's search
        "synth_auto_scan": header(1, "1") + synthetic(60, 50, 0.1, 20, 6, 16),
        # four weeks of hours, given 24 and 168: mstl
        "synth_mstl": header(1, "hour", method="mstl", seasons="two", p0=24, p1=168) +
                      synthetic(504, 100, 0.01, 30, 24, 40, edits=[(0, 300, 90), (1, 10, 0), (3, 450, 20)]),
        # days, MAdM with a week
        "synth_madm": header(1, "day", method="ets", seasons="one", p0=7, error=2, trend=3, season=3, damped=2,
                             text=1) + synthetic(84, 100, 0.5, 25, 7, 32),
        # snaive with a week, a dropped day filled with zeros
        "synth_snaive": header(1, "day", method="snaive", seasons="one", p0=7, fill=1) +
                        synthetic(56, 20, 0, 10, 7, 16, edits=[(1, 40, 0)]),
        # naive on months (a year season detected), values of 1e150
        "synth_naive_huge": header(1, "month", method="naive", scale=1e150) + synthetic(36, 1e150, -1e148, 5e149, 12, 64),
        # a moved time (irregular) and a duplicate: refused
        "synth_moved": header(1, "hour") + synthetic(100, 5, 0, 1, 24, 0, edits=[(2, 40, 128)]),
        "synth_dup": header(1, "hour") + synthetic(100, 5, 0, 1, 24, 0, edits=[(2, 40, 0)]),
        # a calendar grid: first-of-month times from 2024-01-01, a year season, one month missing
        "synth_calendar": header(1, "months", t0=1.7e9) + synthetic(48, 100, 1, 30, 12, 16, edits=[(1, 20, 0)]),
        "records_quarters": header(0, "quarters", method="snaive", seasons="one", p0=4) + records(day[:20]),
        # ETS on a step without calendar candidates (7): no season, reversed rows
        "synth_scan": header(1, "7", method="ets", reverse=1) + synthetic(60, 0, 0, 10, 11, 8),
        # ARIMA searched on 150 points of step 1 (no season), a small budget
        "arima_search": header(1, "1", method="arima", max_models=4) + synthetic(150, 20, 0.05, 6, 9, 48),
        # ARIMA on months with the year detected, seasonal search, constant false
        "arima_seasonal": header(1, "month", method="arima", constant=False, max_models=6) +
                          synthetic(72, 100, 0.8, 30, 12, 24),
        # fixed orders (2,1,1)(1,1,0)[12] with a constant (dropped: d + D = 2)
        "arima_fixed_seasonal": header(1, "month", method="arima", seasons="one", p0=12, order=(2, 1, 1),
                                       sorder=(1, 1, 0), constant=True) + synthetic(60, 50, 0.5, 20, 12, 16),
        # fixed (0,1,1) with drift on records with a gap
        "arima_fixed_records": header(0, "day", method="arima", order=(0, 1, 1), constant=True) +
                               records([((i * 37) % 23) - 11 + i // 3 for i in range(80)], gaps={40: 5 | 2 << 3}),
        # a seasonal order without a season: refused
        "arima_sorder_noseason": header(1, "1", method="arima", seasons="none", sorder=(0, 1, 1)) +
                                 synthetic(60, 10, 0, 5, 7, 16),
        # theta with a weekly season on days (multiplicative: positive values)
        "theta_season": header(1, "day", method="theta", seasons="one", p0=7) + synthetic(84, 100, 0.5, 25, 7, 32),
        # theta, no season, text times
        "theta_plain": header(1, "hour", method="theta", seasons="none", text=1) + synthetic(90, 5, -0.01, 0, 2, 40),
        # auto with the log transform on positive hours: ETS, ARIMA and theta compared
        "auto_log": header(1, "hour", transform="log", max_models=3) + synthetic(60, 50, 0.05, 20, 24, 24),
        # auto with Guerrero's lambda, a day of season given, ETS(A,N,*) only
        "auto_boxcox": header(1, "hour", transform="boxcox", seasons="one", p0=24, error=1, trend=1,
                              max_models=2) +
                       synthetic(120, 40, 0.1, 30, 24, 32),
        # ETS with lambda -1 (values must be > 0), a week detected
        "ets_lambda_neg": header(1, "day", method="ets", transform=-1.0) + synthetic(56, 30, 0, 10, 7, 16),
        # naive with lambda 2 on values with zeros (allowed for lambda > 0)
        "naive_lambda2": header(0, "minute", method="naive", transform=2.0) + records([0, 3, 0, 5, 7, 0, 2, 9, 4, 0]),
        # log on a series with a negative value: refused
        "log_negative": header(0, "day", method="ets", transform="log") + records([5, 3, -2, 7, 8, 9, 4, 5]),
        # mstl with ARIMA options: the core is an ARIMA without a season
        "mstl_arima": header(1, "hour", method="mstl", seasons="two", p0=24, p1=168, order=(1, 0, 1),
                             constant=True) + synthetic(400, 100, 0.01, 30, 24, 40),
        # mstl with Guerrero's lambda, the day detected
        "mstl_boxcox": header(1, "hour", method="mstl", transform="boxcox", max_models=2) +
                       synthetic(240, 80, 0, 25, 24, 32),
        # auto with ETS letters and ARIMA options: ETS and ARIMA compared, no theta
        "auto_both": header(1, "day", error=1, trend=2, order=(1, 1, 0), max_models=1) +
                     synthetic(56, 10, 0.2, 4, 7, 24),
        # known findings (fuzz_forecast.c's KNOWN notes): lambda -1 collapses values near 1e20 to a
        # constant (sigma 0, forecasts +Inf); fixed orders on values near 1e300 (OM_SINGULAR); a
        # seasonal ARIMA with more memory than points (forecast_crossing refuses it)
        "known_boxcox_collapse": header(0, "day", method="naive", transform=-1.0) + b"".join(
            bytes([0x40]) + struct.pack("<d", v) for v in (1e20, 2e20, 3e20, 2e20, 4e20, 3e20)),
        "known_arima_overflow": header(0, "1", method="arima", order=(0, 0, 0)) + b"".join(
            bytes([0x40]) + struct.pack("<d", v) for v in (0.0, 1e300, -1e300, 1e300, 0.0, -1e300, 1e300, 0.0)),
        "known_crossing_memory": header(0, "month", method="arima", seasons="one", p0=12, order=(2, 1, 1),
                                        sorder=(1, 1, 0)) + records([10 + i * 7 % 5 + i // 2 for i in range(25)]),
        # snaive with lambda 0.5 and a given season of 12 on months
        "snaive_lambda": header(1, "month", method="snaive", seasons="one", p0=12, transform=0.5) +
                         synthetic(48, 20, 0.1, 8, 12, 16),
    }
    for name, data in seeds.items():
        write("train_%s.bin" % name, data)
    print("wrote %d files to %s" % (len(os.listdir(OUT)), os.path.relpath(OUT, ROOT)))


if __name__ == "__main__":
    main()
