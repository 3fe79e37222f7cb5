-- sample_size_means, power_means, mde_means, sample_size_proportions,
-- power_proportions: behaviours, edge cases, NULLs and errors (docs/<function>.md).
-- Agreement with statsmodels over a grid: power_statsmodels.sql.
-- case: power.ssm.defaults
SELECT sample_size_means(0.5, 1) = sample_size_means(0.5, 1, 0.05, 0.8, 1, 'two-sided');
-- case: power.ssm.null.optional.is.default
SELECT sample_size_means(0.5, 1, NULL, NULL, NULL, NULL) = sample_size_means(0.5, 1);
-- case: power.ssm.value
SELECT abs(sample_size_means(0.5, 1) - 63.765610587854056) < 1e-6 * 63.77;
-- case: power.ssm.scale.invariant
SELECT abs(sample_size_means(5, 10) - sample_size_means(0.5, 1)) < 1e-12 * 64;
-- case: power.ssm.sign.two.sided
SELECT sample_size_means(-0.5, 1) = sample_size_means(0.5, 1);
-- case: power.ssm.smaller.mirrors.larger
SELECT abs(sample_size_means(-0.5, 1, 0.05, 0.8, 1, 'smaller') - sample_size_means(0.5, 1, 0.05, 0.8, 1, 'larger')) < 1e-9;
-- case: power.ssm.roundtrip
SELECT abs(power_means(0.3, 1, sample_size_means(0.3, 1, 0.05, 0.9, 2), 0.05, 2) - 0.9) < 1e-12;
-- case: power.ssm.tiny.effect
SELECT abs(sample_size_means(1e-4, 1) / 1569772102.8256037 - 1) < 1e-6;
-- case: power.ssm.huge.effect.small.n
SELECT abs(sample_size_means(5, 1) - 2.117220030990755) < 1e-6 * 2.12;
-- case: power.ssm.integer.args
SELECT sample_size_means(1, 2) = sample_size_means(1.0, 2.0);
-- case: power.ssm.null.effect
SELECT sample_size_means(NULL, 1) IS NULL;
-- case: power.ssm.null.sd
SELECT sample_size_means(0.5, NULL, 0.05) IS NULL;
-- case: power.ssm.effect.zero
-- error: sample_size_means(): the effect is 0: no finite sample size detects it
SELECT sample_size_means(0, 1);
-- case: power.ssm.effect.text
-- error: sample_size_means(): effect (argument 1) is TEXT; expected INTEGER or REAL
SELECT sample_size_means('0.5', 1);
-- case: power.ssm.effect.blob
-- error: sample_size_means(): effect (argument 1) is BLOB; expected INTEGER or REAL
SELECT sample_size_means(x'00', 1);
-- case: power.ssm.effect.inf
-- error: sample_size_means(): effect (argument 1) is not a finite number
SELECT sample_size_means(9e999, 1);
-- case: power.ssm.sd.zero
-- error: sample_size_means(): sd (argument 2) is 0; expected a number > 0
SELECT sample_size_means(0.5, 0);
-- case: power.ssm.sd.negative
-- error: sample_size_means(): sd (argument 2) is -1; expected a number > 0
SELECT sample_size_means(0.5, -1);
-- case: power.ssm.alpha.one
-- error: sample_size_means(): alpha (argument 3) is 1; expected a number between 0 and 1 (exclusive)
SELECT sample_size_means(0.5, 1, 1);
-- case: power.ssm.alpha.zero
-- error: sample_size_means(): alpha (argument 3) is 0; expected a number between 0 and 1 (exclusive)
SELECT sample_size_means(0.5, 1, 0);
-- case: power.ssm.power.range
-- error: sample_size_means(): power (argument 4) is 1.5; expected a number between 0 and 1 (exclusive)
SELECT sample_size_means(0.5, 1, 0.05, 1.5);
-- case: power.ssm.power.below.alpha
-- error: sample_size_means(): power 0.04 is not greater than alpha 0.05: any sample size has at least that power
SELECT sample_size_means(0.5, 1, 0.05, 0.04);
-- case: power.ssm.ratio.zero
-- error: sample_size_means(): ratio (argument 5) is 0; expected a number > 0
SELECT sample_size_means(0.5, 1, 0.05, 0.8, 0);
-- case: power.ssm.alternative.unknown
-- error: sample_size_means(): alternative (argument 6) is 'greater'; expected 'two-sided', 'larger' or 'smaller'
SELECT sample_size_means(0.5, 1, 0.05, 0.8, 1, 'greater');
-- case: power.ssm.alternative.type
-- error: sample_size_means(): alternative (argument 6) is INTEGER; expected 'two-sided', 'larger' or 'smaller'
SELECT sample_size_means(0.5, 1, 0.05, 0.8, 1, 2);
-- case: power.ssm.wrong.sign.larger
-- error: sample_size_means(): the effect is negative but the alternative is 'larger': the power never exceeds alpha
SELECT sample_size_means(-0.5, 1, 0.05, 0.8, 1, 'larger');
-- case: power.ssm.wrong.sign.smaller
-- error: sample_size_means(): the effect is positive but the alternative is 'smaller': the power never exceeds alpha
SELECT sample_size_means(0.5, 1, 0.05, 0.8, 1, 'smaller');
-- case: power.ssm.huge.effect.below.two
SELECT sample_size_means(1e6, 1) BETWEEN 1 AND 1.2 AND sample_size_means(100, 1) < sample_size_means(10, 1);
-- case: power.ssm.too.small.effect
-- error: sample_size_means(): the sample size needed is beyond 1e300
SELECT sample_size_means(1e-160, 1);
-- case: power.ssm.effect.underflows
-- error: sample_size_means(): the effect is 0: no finite sample size detects it
SELECT sample_size_means(1e-300, 1e300);
-- case: power.ssm.effect.overflows
-- error: sample_size_means(): the effect is inf; expected a finite number
SELECT sample_size_means(1e300, 1e-300);
-- case: power.ssm.flags
SELECT count(*) = 5 FROM pragma_function_list WHERE name = 'sample_size_means' AND type = 's' AND flags & 0x800 AND flags & 0x200000;
-- case: power.pm.value
SELECT abs(power_means(0.5, 1, 64) - 0.8014595579287103) < 1e-10;
-- case: power.pm.effect.zero.is.alpha
SELECT abs(power_means(0, 1, 50) - 0.05) < 1e-15 AND abs(power_means(0, 1, 50, 0.05, 1, 'larger') - 0.05) < 1e-15;
-- case: power.pm.smaller.tail.tiny
SELECT power_means(3, 1, 50, 0.05, 1, 'smaller') BETWEEN 1e-80 AND 1e-40;
-- case: power.pm.two.sided.sum
SELECT abs(power_means(0.4, 1, 20, 0.1) - power_means(0.4, 1, 20, 0.05, 1, 'larger') - power_means(0.4, 1, 20, 0.05, 1, 'smaller')) < 1e-15;
-- case: power.pm.increasing.in.n
SELECT power_means(0.2, 1, 10) < power_means(0.2, 1, 11) AND power_means(0.2, 1, 11) < power_means(0.2, 1, 1000);
-- case: power.pm.huge.n
SELECT power_means(0.2, 1, 1e12) > 1 - 1e-14 AND power_means(0.2, 1, 1e12) <= 1;
-- case: power.pm.nc.overflows
SELECT power_means(1e300, 1, 1e300) = 1 AND power_means(1e300, 1, 1e300, 0.05, 1, 'smaller') = 0;
-- case: power.pm.df.near.zero.is.alpha
SELECT abs(power_means(1, 1, 1.0000001) - 0.05) < 1e-15 AND power_means(1, 1, 1.01) > 0.05;
-- case: power.pm.null.n
SELECT power_means(0.5, 1, NULL) IS NULL;
-- case: power.pm.n.negative
-- error: power_means(): n (argument 3) is -3; expected a number > 0
SELECT power_means(0.5, 1, -3);
-- case: power.pm.n.too.small
-- error: power_means(): n is 1: n + ratio * n = 2 observations in all; the t-test needs more than 2
SELECT power_means(0.5, 1, 1);
-- case: power.pm.ratio.text
-- error: power_means(): ratio (argument 5) is TEXT; expected INTEGER or REAL
SELECT power_means(0.5, 1, 10, 0.05, 'one');
-- case: power.pm.alternative.arg6
-- error: power_means(): alternative (argument 6) is 'two_sided'; expected 'two-sided', 'larger' or 'smaller'
SELECT power_means(0.5, 1, 10, 0.05, 1, 'two_sided');
-- case: power.mde.value
SELECT abs(mde_means(64, 2) - 0.9981383543808496) < 1e-6;
-- case: power.mde.roundtrip
SELECT abs(power_means(mde_means(40, 3, 0.01, 0.9, 0.5), 3, 40, 0.01, 0.5) - 0.9) < 1e-12;
-- case: power.mde.smaller.positive
SELECT mde_means(40, 1, 0.05, 0.8, 1, 'smaller') = mde_means(40, 1, 0.05, 0.8, 1, 'larger') AND mde_means(40, 1, 0.05, 0.8, 1, 'smaller') > 0;
-- case: power.mde.small.n
SELECT mde_means(1.5, 1) > 3;
-- case: power.mde.null
SELECT mde_means(NULL, 1) IS NULL AND mde_means(10, NULL) IS NULL;
-- case: power.mde.n.too.small
-- error: mde_means(): n is 0.5: n + ratio * n = 1 observations in all; the t-test needs more than 2
SELECT mde_means(0.5, 1);
-- case: power.mde.power.below.alpha
-- error: mde_means(): power 0.05 is not greater than alpha 0.05: any sample size has at least that power
SELECT mde_means(10, 1, 0.05, 0.05);
-- case: power.ssp.value
SELECT abs(sample_size_proportions(0.12, 0.10) - 3834.595739884031) < 1e-6 * 3835;
-- case: power.ssp.roundtrip
SELECT abs(power_proportions(0.3, 0.2, sample_size_proportions(0.3, 0.2, 0.01, 0.95, 3, 'larger'), 0.01, 3, 'larger') - 0.95) < 1e-13;
-- case: power.ssp.extremes
SELECT sample_size_proportions(1, 0) > 0 AND sample_size_proportions(1, 0) < 5;
-- case: power.ssp.equal
-- error: sample_size_proportions(): p1 and p2 are equal (0.3): no finite sample size detects a zero difference
SELECT sample_size_proportions(0.3, 0.3);
-- case: power.ssp.p.range
-- error: sample_size_proportions(): p2 (argument 2) is 1.2; expected a proportion between 0 and 1
SELECT sample_size_proportions(0.3, 1.2);
-- case: power.ssp.p.negative
-- error: sample_size_proportions(): p1 (argument 1) is -0.1; expected a proportion between 0 and 1
SELECT sample_size_proportions(-0.1, 0.2);
-- case: power.ssp.wrong.sign
-- error: sample_size_proportions(): the effect is negative but the alternative is 'larger': the power never exceeds alpha
SELECT sample_size_proportions(0.1, 0.2, 0.05, 0.8, 1, 'larger');
-- case: power.ssp.null
SELECT sample_size_proportions(NULL, 0.2) IS NULL;
-- case: power.pp.value
SELECT abs(power_proportions(0.12, 0.10, 4000) - 0.8163135759806979) < 1e-12;
-- case: power.pp.equal.is.alpha
SELECT abs(power_proportions(0.3, 0.3, 100, 0.1) - 0.1) < 1e-15;
-- case: power.pp.tiny.n
SELECT abs(power_proportions(0.6, 0.4, 1e-9) - 0.05) < 1e-5;
-- case: power.pp.null
SELECT power_proportions(0.1, 0.2, NULL) IS NULL;
-- case: power.pp.n.zero
-- error: power_proportions(): n (argument 3) is 0; expected a number > 0
SELECT power_proportions(0.1, 0.2, 0);
-- case: power.pp.nan.like
-- error: power_proportions(): p1 (argument 1) is not a finite number
SELECT power_proportions(-9e999, 0.2, 10);
