/*
 * perfwarden's dashboard: the history chart, the commit page and the compare
 * view, drawn with Chart.js from the JSON API (runner/service/api.c). The same file is
 * inlined into the static report (runner/service/report_html.c), which hands it the
 * data instead of fetching it. No network beyond the perfwarden server.
 *
 * For tests and tools, each page publishes what it drew in window.perfwarden
 * and as data-* attributes of #pw-status (data-ready="1" once done).
 */
(function () {
	'use strict';

	var VERDICTS = {
		'slower': { color: '#d32f2f', style: 'triangle', rotation: 0, label: 'slower' },
		'faster': { color: '#2e7d32', style: 'triangle', rotation: 180, label: 'faster' },
		'wrong-output': { color: '#7b1fa2', style: 'crossRot', rotation: 0, label: 'wrong output' },
		'build-failed': { color: '#ef6c00', style: 'rect', rotation: 0, label: 'build failed' },
		'crashed': { color: '#000000', style: 'star', rotation: 0, label: 'crashed' },
		'timeout': { color: '#795548', style: 'rectRot', rotation: 0, label: 'timeout' },
		'test-failed': { color: '#ad1457', style: 'cross', rotation: 0, label: 'test command failed' },
		/* noted, not flagged: neither a regression nor a pass the judge could vouch for */
		'inconclusive': { color: '#f9a825', style: 'circle', rotation: 0, noted: true,
			label: 'inconclusive (not ok, not failed)' },
		'unchanged': { color: '#78909c', style: 'dash', rotation: 0, noted: true,
			label: 'unchanged (identical build, not run)' }
	};
	var FAILURES = ['wrong-output', 'test-failed', 'build-failed', 'crashed', 'timeout'];
	var SEVERITY = ['build-failed', 'crashed', 'timeout', 'wrong-output', 'test-failed', 'slower',
		'inconclusive', 'unsure', 'faster', 'unchanged', 'unverified', 'ok'];

	/* slower, faster and the failures: what the dashboard flags */
	function flagged(v) {
		return !!VERDICTS[v] && !VERDICTS[v].noted;
	}

	/*
	 * Whether row r's verdict holds on this chart's metric: one judged on it,
	 * a run's own verdict (wrong output, crashed...), or an unchanged build
	 * (identical on every metric).
	 */
	function judgedHere(r, metric) {
		return !r.verdict_metric || r.verdict_metric === metric || r.verdict === 'unchanged';
	}

	/* What a verdict is, for tooltips and hovers: "slower (judged on cpu by lower-quartile-seq/3)". */
	function verdictText(r) {
		var t = r.verdict || 'no verdict';
		if (r.verdict === 'unchanged')
			t += ': identical build to ' + (r.equals_short || '?') + ', not run';
		if (r.verdict_metric)
			t += ' (judged on ' + r.verdict_metric + (r.verdict_judge ? ' by ' + r.verdict_judge : '') + ')';
		/* no golden set and no test command: its output was never checked */
		if (r.run_verdict === 'unverified' && r.verdict !== 'unverified')
			t += ', output unverified';
		return t;
	}

	function el(tag, attrs, text) {
		var e = document.createElement(tag);
		var k;
		for (k in attrs || {})
			if (attrs[k] !== null && attrs[k] !== undefined)
				e.setAttribute(k, attrs[k]);
		if (text !== undefined && text !== null)
			e.textContent = String(text);
		return e;
	}

	function scaleOf(unit) {
		if (unit === 'ns')
			return { div: 1e6, unit: 'ms' };
		if (unit === 'KiB')
			return { div: 1024, unit: 'MiB' };
		return { div: 1, unit: unit || '' };
	}

	function fmt(v, sc, digits) {
		if (v === null || v === undefined || isNaN(v))
			return '-';
		return (v / sc.div).toFixed(digits === undefined ? 3 : digits) + (sc.unit ? ' ' + sc.unit : '');
	}

	function fmtDate(t) {
		if (!t)
			return '-';
		if (typeof t === 'number')
			t = new Date(t * 1000).toISOString();
		return t.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
	}

	function badge(verdict) {
		var v = verdict || 'none';
		return el('span', { 'class': 'verdict v-' + v, 'data-verdict': v }, v);
	}

	var started = 0;

	function setStatus(info) {
		var st = document.getElementById('pw-status');
		var k;
		window.perfwarden = window.perfwarden || {};
		if (info.ready)
			info.ms = Math.round(performance.now() - started);
		for (k in info) {
			window.perfwarden[k] = info[k];
			if (st)
				st.setAttribute('data-' + k, String(info[k]));
		}
	}

	function fail(message) {
		var box = document.getElementById('pw-error');
		if (box)
			box.textContent = message;
		setStatus({ ready: 1, error: message });
	}

	function getJSON(url) {
		return fetch(url).then(function (r) {
			return r.json().then(function (body) {
				if (!r.ok)
					throw new Error(body && body.error ? body.error : 'HTTP ' + r.status);
				return body;
			});
		});
	}

	/*
	 * The history chart. `history` is /api/history's answer (commits newest
	 * first), `changes` /api/changes' (or null). opts.onClick(commit) on a
	 * click. Returns {points, markers, chart, commits (oldest first)}.
	 */
	function drawHistory(canvas, history, changes, opts) {
		var rows = history.commits.slice().reverse();
		var sc = scaleOf(history.unit);
		var median = [], low = [], high = [], byHash = {}, markers = {}, elsewhere = {}, floor = null;
		var datasets, i, v, y, nmarkers = 0, noted = { inconclusive: 0, unchanged: 0 }, nelsewhere = 0;
		var big = rows.length > 1000;

		opts = opts || {};
		for (i = 0; i < rows.length; i++) {
			byHash[rows[i].hash] = i;
			if (rows[i].median !== null && FAILURES.indexOf(rows[i].verdict) < 0) {
				median.push({ x: i, y: rows[i].median / sc.div });
				low.push({ x: i, y: rows[i].q1 / sc.div });
				high.push({ x: i, y: rows[i].q3 / sc.div });
				if (floor === null || rows[i].median / sc.div < floor)
					floor = rows[i].median / sc.div;
			}
		}
		for (i = 0; i < rows.length; i++) {
			var r = rows[i], into = markers;
			v = r.verdict;
			if (!VERDICTS[v])
				continue;
			y = r.median !== null ? r.median / sc.div : null;
			/* an unchanged build stands at the level of the build it equals */
			if (y === null && r.equals && byHash[r.equals] !== undefined && rows[byHash[r.equals]].median !== null)
				y = rows[byHash[r.equals]].median / sc.div;
			if (!judgedHere(r, history.metric)) {
				into = elsewhere;
				nelsewhere++;
			}
			into[v] = into[v] || [];
			into[v].push({ x: i, y: y !== null ? y : (floor || 0) });
			if (VERDICTS[v].noted)
				noted[v]++;
			else
				nmarkers++;
		}
		datasets = [
			{ label: 'IQR', data: low, borderWidth: 0, pointRadius: 0, fill: false,
				backgroundColor: 'rgba(33,150,243,0.18)', borderColor: 'rgba(0,0,0,0)' },
			{ label: 'IQR (upper)', data: high, borderWidth: 0, pointRadius: 0, fill: '-1',
				backgroundColor: 'rgba(33,150,243,0.18)', borderColor: 'rgba(0,0,0,0)' },
			{ label: 'median', data: median, borderColor: '#1565c0', backgroundColor: '#1565c0',
				borderWidth: 1.5, pointRadius: big ? 0 : 2, pointHoverRadius: 4, fill: false }
		];
		if (changes && changes.segments && changes.segments.length > 1) {
			var steps = [], s, seg;
			for (s = 0; s < changes.segments.length; s++) {
				seg = changes.segments[s];
				steps.push({ x: byHash[seg.first], y: seg.median / sc.div });
			}
			steps.push({ x: byHash[seg.last], y: seg.median / sc.div });
			datasets.push({ label: 'level (change points)', data: steps, stepped: 'before',
				borderColor: '#ff9800', borderDash: [6, 3], borderWidth: 2, pointRadius: 0, fill: false });
		}
		Object.keys(VERDICTS).forEach(function (name) {
			var d = VERDICTS[name];
			datasets.push({ label: d.label, type: 'scatter', data: markers[name] || [],
				pointStyle: d.style, rotation: d.rotation, pointRadius: d.style === 'dash' ? 11 : 7,
				pointHoverRadius: d.style === 'dash' ? 13 : 9, backgroundColor: d.color, borderColor: d.color,
				borderWidth: d.style === 'dash' ? 4 : 1,
				verdict: name });
		});
		/* verdicts judged on another metric: hollow, and the tooltip says which metric */
		Object.keys(elsewhere).forEach(function (name) {
			var d = VERDICTS[name];
			datasets.push({ label: d.label.replace(/ \(.*/, '') + ' (judged on another metric)', type: 'scatter',
				data: elsewhere[name], pointStyle: d.style, rotation: d.rotation, pointRadius: 7,
				pointHoverRadius: 9, backgroundColor: 'rgba(0,0,0,0)', borderColor: d.color, borderWidth: 2,
				verdict: name, elsewhere: true });
		});
		var chart = new Chart(canvas, {
			type: 'line',
			data: { datasets: datasets },
			options: {
				animation: false, parsing: false, normalized: true, maintainAspectRatio: false,
				interaction: { mode: 'nearest', axis: 'x', intersect: false },
				scales: {
					x: { type: 'linear', min: -0.5, max: rows.length - 0.5,
						title: { display: true, text: 'commits, ' + (history.order || 'first-parent') + ' order (oldest left)' },
						ticks: { callback: function (val) {
							var r = rows[Math.round(val)];
							return r && Math.round(val) === val ? r.short.slice(0, 7) : '';
						} } },
					y: { title: { display: true, text: history.metric + (sc.unit ? ' (' + sc.unit + ')' : '') } }
				},
				plugins: {
					decimation: { enabled: big, algorithm: 'lttb', samples: 800 },
					legend: { labels: { usePointStyle: true,
						filter: function (item) { return item.text !== 'IQR (upper)'; } } },
					tooltip: { callbacks: {
						title: function (items) {
							var r = rows[Math.round(items[0].parsed.x)];
							return r ? r.short + '  ' + (r.subject || '') : '';
						},
						label: function (item) {
							var r = rows[Math.round(item.parsed.x)];
							if (!r)
								return '';
							if (r.verdict === 'unchanged' && r.median === null)
								return verdictText(r);
							return verdictText(r) + ', median ' + fmt(r.median, sc) +
								', IQR ' + fmt(r.iqr, sc) + ', ' + r.count + ' samples';
						}
					} }
				},
				onClick: function (evt, elements) {
					if (!elements.length || !opts.onClick)
						return;
					var r = rows[Math.round(chart.data.datasets[elements[0].datasetIndex]
						.data[elements[0].index].x)];
					if (r)
						opts.onClick(r);
				},
				onHover: function (evt, elements) {
					if (!elements.length || !opts.onHover)
						return;
					var r = rows[Math.round(chart.data.datasets[elements[0].datasetIndex]
						.data[elements[0].index].x)];
					if (r)
						opts.onHover(r);
				}
			}
		});
		return { points: median.length, markers: nmarkers, inconclusive: noted.inconclusive,
			unchanged: noted.unchanged, elsewhere: nelsewhere, chart: chart, commits: rows, scale: sc };
	}

	/* What the chart's markers mean, under it. */
	function legendText(box, metric) {
		if (!box)
			return;
		box.textContent = 'inconclusive (amber ●): the rounds could not resolve the threshold — not ok, ' +
			'not failed; it passes the gate unless --fail-inconclusive. unchanged (grey –): the build is ' +
			'byte-identical to the commit it equals, so it was not run and cannot be slower. Hollow markers ' +
			'were judged on another metric than this chart\'s (' + metric + '); hover for which.';
	}

	/* The list of flagged commits under the chart: one link per marker. */
	/*
	 * The list of flagged commits under the chart: one link per marker
	 * (class marker-link); with `noted`, the inconclusive and unchanged ones
	 * (class noted-link) instead.
	 */
	function markerLinks(list, rows, link, noted) {
		var i, li, a, r;
		var want = function (v) { return noted ? VERDICTS[v] && VERDICTS[v].noted : flagged(v); };
		if (!list)
			return;
		list.textContent = '';
		if (!rows.some(function (x) { return want(x.verdict); }))
			list.appendChild(el('li', { 'class': 'muted' }, 'none'));
		for (i = rows.length - 1; i >= 0; i--) {
			r = rows[i];
			if (!want(r.verdict))
				continue;
			li = el('li');
			a = el('a', { href: link(r), 'class': noted ? 'noted-link' : 'marker-link',
				'data-verdict': r.verdict, 'data-hash': r.hash }, r.short);
			li.appendChild(a);
			li.appendChild(document.createTextNode(' '));
			li.appendChild(badge(r.verdict));
			li.appendChild(document.createTextNode(' ' + (r.subject || '') +
				(r.verdict === 'unchanged' ? ' (= ' + (r.equals_short || '?') + ')' : '') +
				(r.verdict_metric ? ' [judged on ' + r.verdict_metric + ']' : '')));
			list.appendChild(li);
		}
	}

	/* The verdict table (newest first), at most `max` rows; row ids are rowId + hash. */
	function commitTable(table, rows, sc, link, max, rowId) {
		var i, tr, td, n = 0;
		table.textContent = '';
		tr = el('tr');
		['commit', 'date', 'verdict', 'n', 'median', 'min', 'IQR', 'ratio', 'subject'].forEach(function (h) {
			tr.appendChild(el('th', {}, h));
		});
		table.appendChild(tr);
		for (i = rows.length - 1; i >= 0 && n < max; i--, n++) {
			var r = rows[i];
			tr = el('tr', { id: (rowId || 'row-') + r.hash, 'data-verdict': r.verdict || '' });
			td = el('td');
			td.appendChild(link ? el('a', { href: link(r) }, r.short) : el('code', {}, r.short));
			tr.appendChild(td);
			tr.appendChild(el('td', {}, fmtDate(r.author_time)));
			td = el('td', { title: verdictText(r) });
			td.appendChild(badge(r.verdict));
			if (r.verdict_metric)
				td.appendChild(el('span', { 'class': 'muted' }, ' ' + r.verdict_metric));
			tr.appendChild(td);
			tr.appendChild(el('td', { 'class': 'num' }, r.count));
			tr.appendChild(el('td', { 'class': 'num' }, fmt(r.median, sc)));
			tr.appendChild(el('td', { 'class': 'num' }, fmt(r.min, sc)));
			tr.appendChild(el('td', { 'class': 'num' }, fmt(r.iqr, sc)));
			tr.appendChild(el('td', { 'class': 'num' }, r.ratio_prev === null ? '-' : r.ratio_prev.toFixed(3)));
			tr.appendChild(el('td', {}, r.subject || ''));
			table.appendChild(tr);
		}
	}

	/* ---- the dashboard (/) ---- */

	function dashboard() {
		var q = new URLSearchParams(location.search);
		var sel = { repo: document.getElementById('repo'), benchmark: document.getElementById('benchmark'),
			params: document.getElementById('params'), kase: document.getElementById('case'),
			env: document.getElementById('env'), metric: document.getElementById('metric') };
		var repos = [], chart = null, hoverTimer = null, metricsAsked = 0, shownMetric = null;
		/* the process's metrics, as the page lists them; a harness case has its own */
		var processMetrics = Array.prototype.map.call(sel.metric.options, function (o) {
			return { value: o.value, label: o.textContent };
		});
		var maxCommits = parseInt(q.get('max') || '5000', 10);

		function options(select, values, wanted) {
			select.textContent = '';
			values.forEach(function (v) {
				var o = el('option', { value: v.value }, v.label);
				if (v.value === wanted)
					o.selected = true;
				select.appendChild(o);
			});
		}
		function repo() {
			return repos.filter(function (r) { return r.location === sel.repo.value; })[0];
		}
		/*
		 * A series name in its parts: BENCH, a combination of its params
		 * (BENCH@NAME=VALUE,...) and a case its harness reports (BENCH/CASE).
		 */
		function split(name) {
			var slash = name.indexOf('/'), head = slash < 0 ? name : name.slice(0, slash);
			var at = head.indexOf('@');
			return { base: at < 0 ? head : head.slice(0, at), params: at < 0 ? '' : head.slice(at + 1),
				kase: slash < 0 ? '' : name.slice(slash + 1) };
		}
		function names() {
			var r = repo();
			return r ? r.benchmarks.map(function (b) { return b.name; }) : [];
		}
		function unique(list) {
			return list.filter(function (v, i) { return list.indexOf(v) === i; });
		}
		/* The series the pickers name. */
		function series() {
			return sel.benchmark.value + (sel.params.value ? '@' + sel.params.value : '') +
				(sel.kase.value ? '/' + sel.kase.value : '');
		}
		function bench() {
			var r = repo(), name = series();
			return r ? r.benchmarks.filter(function (b) { return b.name === name; })[0] : null;
		}
		function show(select, on) {
			document.getElementById(select.id + '-label').hidden = !on;
		}
		/* The benchmarks (a parameterised one once, a harness's cases under it), then the rest. */
		function fillBenchmarks(wanted) {
			var w = split(wanted || '');
			options(sel.benchmark, unique(names().map(function (n) { return split(n).base; })).map(function (b) {
				return { value: b, label: b };
			}), w.base);
			fillParams(w.params, w.kase);
		}
		/* A benchmark with params: which combination; none when it has none. */
		function fillParams(wanted, wantedCase) {
			var combos = unique(names().map(split).filter(function (s) {
				return s.base === sel.benchmark.value;
			}).map(function (s) { return s.params; }));
			options(sel.params, combos.filter(function (c) { return c !== ''; }).map(function (c) {
				return { value: c, label: c.replace(/,/g, ', ') };
			}), wanted);
			show(sel.params, sel.params.options.length > 0);
			fillCases(wantedCase);
		}
		/* A benchmark whose harness reports cases: the whole process, or one case. */
		function fillCases(wanted) {
			var head = sel.benchmark.value + (sel.params.value ? '@' + sel.params.value : '') + '/';
			var cases = names().filter(function (n) { return n.indexOf(head) === 0; }).map(function (n) {
				return { value: n.slice(head.length), label: n.slice(head.length) };
			});
			options(sel.kase, cases.length ? [{ value: '', label: '(the whole process)' }].concat(cases) : [],
				wanted || '');
			show(sel.kase, cases.length > 0);
			fillEnvs(q.get('env'));
		}
		/*
		 * The metrics of the series: the process's, or a case's own (what its
		 * harness reported, read from its newest run; its first until known).
		 */
		function fillMetrics(wanted) {
			var asked = ++metricsAsked, name = series();
			if (!sel.kase.value) {
				options(sel.metric, processMetrics, wanted || 'wall');
				return Promise.resolve();
			}
			options(sel.metric, [{ value: '', label: '(its first)' }], '');
			var p = new URLSearchParams({ repo: sel.repo.value, benchmark: name, limit: '1' });
			return getJSON('/api/history?' + p.toString()).then(function (h) {
				var row = h.commits.filter(function (c) { return c.count > 0; })[0];
				return row ? getJSON('/api/commits/' + row.hash + '?repo=' + encodeURIComponent(sel.repo.value)) : null;
			}).then(function (c) {
				var run = c ? c.runs.filter(function (x) { return x.benchmark === name && x.newest; })[0] : null;
				var values = run && run.metadata && run.metadata.values ? run.metadata.values : [];
				if (asked !== metricsAsked || !values.length)
					return;
				options(sel.metric, values.map(function (v) {
					return { value: v.metric, label: v.metric + (v.unit ? ' (' + v.unit + ')' : '') };
				}), wanted || values[0].metric);
			}).catch(function () {});
		}
		function fillEnvs(wanted) {
			var b = bench();
			var envs = b ? b.environments : [];
			options(sel.env, [{ value: '', label: 'the newest run\'s machine' }].concat(envs.map(function (e) {
				return { value: e.fingerprint, label: e.fingerprint.slice(0, 16) + ' (' + e.commits + ' commits)' };
			})), wanted || (envs.length === 1 ? envs[0].fingerprint : ''));
		}
		function params() {
			var p = new URLSearchParams();
			p.set('repo', sel.repo.value);
			p.set('benchmark', series());
			if (sel.metric.value)
				p.set('metric', sel.metric.value);
			if (sel.env.value)
				p.set('env', sel.env.value);
			return p;
		}
		function fetchAll(p, acc) {
			p.set('limit', String(Math.min(5000, maxCommits - acc.commits.length)));
			return getJSON('/api/history?' + p.toString()).then(function (page) {
				if (!acc.unit) {
					page.commits = acc.commits.concat(page.commits);
					acc = page;
				} else {
					acc.commits = acc.commits.concat(page.commits);
				}
				if (page.next && acc.commits.length < maxCommits) {
					p.set('before', page.next);
					return fetchAll(p, acc);
				}
				return acc;
			});
		}
		function showHover(r) {
			var box = document.getElementById('hover');
			box.textContent = r.short + ' ' + (r.subject || '') + ': ' + verdictText(r) +
				', median ' + fmt(r.median, chart.scale) + ', ' + r.count + ' samples';
			clearTimeout(hoverTimer);
			hoverTimer = setTimeout(function () {
				getJSON('/api/commits/' + r.hash + '?repo=' + encodeURIComponent(sel.repo.value)).then(function (c) {
					var vals = [];
					c.runs.forEach(function (run) {
						if (run.benchmark !== series())
							return;
						((run.metadata && run.metadata.values) || []).forEach(function (m) {
							if (sel.kase.value && m.metric === (sel.metric.value || shownMetric))
								m.values.forEach(function (v) { vals.push(fmt(v, chart.scale, 2)); });
						});
						run.samples.forEach(function (x) {
							var v = x[sel.metric.value];
							if (v !== null)
								vals.push(fmt(v, chart.scale, 2));
						});
					});
					box.textContent += '; samples: ' + (vals.length ? vals.join(', ') : 'none');
				}).catch(function () {});
			}, 250);
		}
		function load() {
			var p = params();
			setStatus({ ready: 0 });
			history.replaceState(null, '', '/?' + p.toString());
			Promise.all([fetchAll(new URLSearchParams(p), { commits: [] }),
				getJSON('/api/changes?' + p.toString()).catch(function () { return null; })])
				.then(function (res) {
					var canvas = document.getElementById('history');
					var link = function (r) {
						return '/commit/' + r.hash + '?repo=' + encodeURIComponent(sel.repo.value);
					};
					if (chart)
						chart.chart.destroy();
					shownMetric = res[0].metric;
					chart = drawHistory(canvas, res[0], res[1], {
						onClick: function (r) { location.href = link(r); },
						onHover: showHover
					});
					markerLinks(document.getElementById('markers'), chart.commits, link);
					markerLinks(document.getElementById('noted'), chart.commits, link, true);
					legendText(document.getElementById('legend'), res[0].metric);
					commitTable(document.getElementById('commits'), chart.commits, chart.scale, link, 100);
					document.getElementById('summary').textContent = chart.commits.length + ' commits (' +
						res[0].order + ' order), ' + chart.markers + ' flagged, ' + chart.inconclusive +
						' inconclusive, ' + chart.unchanged + ' unchanged, ' +
						(res[1] ? res[1].changes.length : 0) + ' level changes confirmed by a judgement' +
						(res[1] && res[1].unconfirmed && res[1].unconfirmed.length ?
							' (' + res[1].unconfirmed.length + ' more not confirmed: drift between measurements?)' : '');
					var offered = function (select) {
						return Array.prototype.map.call(select.options, function (o) { return o.value; }).join(' ');
					};
					setStatus({ ready: 1, series: series(), metric: res[0].metric, unit: res[0].unit,
						benchmark: sel.benchmark.value, params: sel.params.value, 'case': sel.kase.value,
						combinations: offered(sel.params), cases: offered(sel.kase), metrics: offered(sel.metric),
						points: chart.points, markers: chart.markers,
						inconclusive: chart.inconclusive, unchanged: chart.unchanged, elsewhere: chart.elsewhere,
						commits: chart.commits.length, changes: res[1] ? res[1].changes.length : 0 });
				}).catch(function (e) { fail(e.message); });
		}

		getJSON('/api/repos').then(function (data) {
			repos = data.repos;
			if (!repos.length)
				return fail('nothing measured yet: run perfwarden check first');
			options(sel.repo, repos.map(function (r) {
				return { value: r.location, label: r.name + ' (' + r.location + ')' };
			}), q.get('repo'));
			fillBenchmarks(q.get('benchmark'));
			sel.repo.onchange = function () { fillBenchmarks(null); fillMetrics(null).then(load); };
			sel.benchmark.onchange = function () { fillParams(null, null); fillMetrics(null).then(load); };
			sel.params.onchange = function () { fillCases(sel.kase.value); fillMetrics(sel.metric.value).then(load); };
			sel.kase.onchange = function () { fillEnvs(null); fillMetrics(null).then(load); };
			sel.env.onchange = load;
			sel.metric.onchange = load;
			fillMetrics(q.get('metric')).then(load);
		}).catch(function (e) { fail(e.message); });
	}

	/* ---- one commit (/commit/<hash>) ---- */

	function worst(verdicts) {
		var best = null;
		verdicts.forEach(function (v) {
			v = v || 'ok';
			if (best === null || SEVERITY.indexOf(v) < SEVERITY.indexOf(best))
				best = v;
		});
		return best || 'none';
	}

	function distributionChart(canvas, run) {
		var sc = scaleOf('ns'), pts = [], base = [];
		run.samples.forEach(function (x, i) {
			if (x.wall !== null)
				pts.push({ x: 1 + ((i % 9) - 4) * 0.04, y: x.wall / sc.div });
		});
		if (run.baseline)
			run.baseline.samples.forEach(function (x, i) {
				if (x.wall !== null)
					base.push({ x: ((i % 9) - 4) * 0.04, y: x.wall / sc.div });
			});
		var ds = [{ label: 'baseline ' + (run.baseline ? run.baseline.short : '(none)'), data: base,
			backgroundColor: 'rgba(96,125,139,0.8)', pointRadius: 4, order: 0 },
			{ label: 'this commit', data: pts, backgroundColor: 'rgba(21,101,192,0.8)', pointRadius: 4, order: 0 }];
		[[run.baseline && run.baseline.summary, 0, '#607d8b'], [run.summary, 1, '#1565c0']].forEach(function (m) {
			if (m[0])
				ds.push({ type: 'line', label: 'median', data: [{ x: m[1] - 0.3, y: m[0].median / sc.div },
					{ x: m[1] + 0.3, y: m[0].median / sc.div }], borderColor: m[2], pointRadius: 0,
					borderWidth: 1.5, order: 1 });
		});
		return new Chart(canvas, { type: 'scatter', data: { datasets: ds }, options: {
			animation: false, maintainAspectRatio: false,
			plugins: { legend: { labels: { filter: function (i) { return i.text !== 'median'; } } } },
			scales: { x: { min: -0.5, max: 1.5,
				afterBuildTicks: function (axis) { axis.ticks = [{ value: 0 }, { value: 1 }]; },
				ticks: { callback: function (v) { return v === 0 ? 'baseline' : 'this commit'; } } },
			y: { title: { display: true, text: 'wall (ms)' } } } } });
	}

	/*
	 * A judgement in one line: "ratio 1.9234, CI [1.8801, 1.9712], p = 1.2e-5,
	 * 6 rounds, judged on wall by lower-quartile-seq/3, baseline abc123".
	 * `j` is a judgement from the API, or (older runs) the run's metadata.
	 */
	function judgementText(j) {
		var stats = [];
		if (j.ratio !== undefined && j.ratio !== null)
			stats.push('ratio ' + Number(j.ratio).toFixed(4));
		if (j.ci && j.ci.length === 2 && j.ci[0] !== null)
			stats.push('CI [' + Number(j.ci[0]).toFixed(4) + ', ' + Number(j.ci[1]).toFixed(4) + ']');
		if (j.p_value !== undefined && j.p_value !== null)
			stats.push('p = ' + Number(j.p_value).toPrecision(3));
		if (j.rounds)
			stats.push(j.rounds + ' rounds');
		if (j.metric)
			stats.push('judged on ' + j.metric + (j.judge ? ' by ' + j.judge : ''));
		if (j.baseline)
			stats.push((j.verdict === 'unchanged' ? 'equals ' : 'baseline ') + String(j.baseline).slice(0, 12));
		return stats.length ? stats.join(', ') : 'no judgement recorded';
	}

	function pre(parent, title, text) {
		if (!text)
			return;
		parent.appendChild(el('h4', {}, title));
		parent.appendChild(el('pre', {}, text));
	}

	function commitPage() {
		var hash = location.pathname.split('/').pop();
		var q = new URLSearchParams(location.search);
		var url = '/api/commits/' + encodeURIComponent(hash) + (q.get('repo') ? '?repo=' + encodeURIComponent(q.get('repo')) : '');
		getJSON(url).then(function (c) {
			var main = document.getElementById('runs'), nsamples = 0;
			/* older measurements stay listed (runs are never replaced); the newest decide */
			var judgements = c.judgements || [];
			/* judgements that gave no run its verdict: e.g. an unchanged build, which was not run */
			var unrun = judgements.filter(function (j) { return j.newest && j.run === null; });
			var verdict = worst(c.runs.filter(function (r) { return r.newest !== false; })
				.map(function (r) { return r.verdict; })
				.concat(unrun.map(function (j) { return j.verdict; })));
			document.title = c.short + ' ' + (c.subject || '') + ' - perfwarden';
			document.getElementById('subject').textContent = c.subject || '(no subject)';
			var v = document.getElementById('verdict');
			v.textContent = '';
			v.appendChild(badge(verdict));
			v.setAttribute('data-verdict', verdict);
			document.getElementById('hash').textContent = c.hash;
			document.getElementById('author').textContent = (c.author || '-') + (c.email ? ' <' + c.email + '>' : '');
			document.getElementById('time').textContent = fmtDate(c.author_time);
			document.getElementById('repo').textContent = c.repo.location || '-';
			if (c.forge_url) {
				var a = el('a', { href: c.forge_url, id: 'forge' }, 'view on the forge');
				document.getElementById('forge-box').appendChild(a);
			}
			if (c.parents.length)
				document.getElementById('parent').appendChild(el('a', { href: '/compare?a=' + c.parents[0] + '&b=' + c.hash },
					'compare with parent ' + c.parents[0].slice(0, 12)));
			c.runs.forEach(function (run, i) {
				var box = el('section', { 'class': 'run' + (run.newest === false ? ' superseded' : ''),
					'data-benchmark': run.benchmark, 'data-verdict': run.verdict || '', 'data-run': run.id });
				var h = el('h3', {}, run.benchmark + (run.newest === false ? ' (run ' + run.id + ', superseded) ' : ' '));
				var md = run.metadata || {};
				h.appendChild(badge(run.verdict));
				box.appendChild(h);
				box.appendChild(el('div', { 'class': 'muted' }, 'environment ' + (run.environment.fingerprint || '-') +
					', spec ' + (run.spec_hash || '-') + ', finished ' + fmtDate(run.finished_at) +
					(run.verdict_judge ? ', judged by ' + run.verdict_judge + ' on ' + run.verdict_metric +
						' (measured ' + (run.run_verdict || '-') + ')' : '')));
				nsamples += run.samples.length;
				box.appendChild(el('p', { 'class': 'judgement', id: 'judgement-' + i,
					'data-metric': run.judgement ? run.judgement.metric : '' },
					judgementText(run.judgement || md)));
				if (run.judgement && run.judgement.message)
					box.appendChild(el('p', { 'class': 'muted' }, run.judgement.message));
				if (run.summary)
					box.appendChild(el('p', {}, run.samples.length + ' samples, median ' + fmt(run.summary.median, scaleOf('ns')) +
						', IQR ' + fmt(run.summary.q1, scaleOf('ns')) + ' to ' + fmt(run.summary.q3, scaleOf('ns'))));
				if (run.samples.length) {
					var cbox = el('div', { 'class': 'small-chart' });
					var canvas = el('canvas', { id: 'dist-' + i });
					cbox.appendChild(canvas);
					box.appendChild(cbox);
					main.appendChild(box);
					distributionChart(canvas, run);
				} else {
					main.appendChild(box);
				}
				pre(box, 'diff against golden', run.diff_report);
				pre(box, 'build log (tail)', run.build_log_tail);
				pre(box, 'stderr (tail)', run.stderr_tail);
				pre(box, 'environment', JSON.stringify(run.environment.details, null, 2));
			});
			unrun.forEach(function (j, i) {
				var box = el('section', { 'class': 'run unrun', 'data-benchmark': j.benchmark,
					'data-verdict': j.verdict, 'data-judgement': j.id });
				var h = el('h3', {}, j.benchmark + ' ');
				h.appendChild(badge(j.verdict));
				box.appendChild(h);
				box.appendChild(el('div', { 'class': 'muted' }, 'environment ' + (j.fingerprint || '-') +
					', spec ' + (j.spec_hash || '-') + ', judged ' + fmtDate(j.created_at) +
					(j.verdict === 'unchanged' ? ': the build is byte-identical to ' + (j.baseline_short || '?') +
						'\'s, so it was not run and cannot be slower' : ': no run of its own')));
				box.appendChild(el('p', { 'class': 'judgement', id: 'unrun-' + i, 'data-metric': j.metric },
					judgementText(j)));
				if (j.message)
					box.appendChild(el('p', { 'class': 'muted' }, j.message));
				main.appendChild(box);
			});
			/* where the time of each slower benchmark went: its stored profiles, when kept */
			var slower = [];
			judgements.forEach(function (j) {
				var b = j.benchmark.split('/')[0];
				if (j.newest && j.verdict === 'slower' && slower.indexOf(b) < 0)
					slower.push(b);
			});
			var explained = 0;
			var asks = slower.map(function (b) {
				if (typeof perfwardenExplainBox !== 'function')
					return Promise.resolve();
				return getJSON('/api/explain?commit=' + c.hash + '&repo=' + encodeURIComponent(c.repo.location) +
					'&benchmark=' + encodeURIComponent(b)).then(function (doc) {
					var box = perfwardenExplainBox(doc);
					main.appendChild(box);
					perfwardenFlameBoxDraw(box);
					explained++;
				}, function (e) {
					main.appendChild(el('p', { 'class': 'muted explain-missing' },
						b + ': not explained (' + e.message + ')'));
				});
			});
			return Promise.all(asks).then(function () {
				setStatus({ ready: 1, verdict: verdict, runs: c.runs.length, samples: nsamples, hash: c.hash,
					judgements: judgements.length, unrun: unrun.length, explained: explained });
			});
		}).catch(function (e) { fail(e.message); });
	}

	/* ---- two commits (/compare?a=&b=) ---- */

	function comparePage() {
		var q = new URLSearchParams(location.search);
		var a = q.get('a') || '', b = q.get('b') || '';
		document.getElementById('a').value = a;
		document.getElementById('b').value = b;
		if (!a || !b)
			return setStatus({ ready: 1, rows: 0 });
		getJSON('/api/compare?a=' + encodeURIComponent(a) + '&b=' + encodeURIComponent(b)).then(function (c) {
			var table = document.getElementById('compare'), rows = 0;
			document.getElementById('title').textContent = c.a.short + ' ' + (c.a.subject || '') + '  vs  ' +
				c.b.short + ' ' + (c.b.subject || '');
			var tr = el('tr');
			['benchmark', 'metric', 'n a', 'n b', 'median a', 'median b', 'ratio b/a', '95% CI', 'p'].forEach(function (h) {
				tr.appendChild(el('th', {}, h));
			});
			table.appendChild(tr);
			c.benchmarks.forEach(function (bm) {
				bm.metrics.forEach(function (m) {
					var sc = scaleOf(m.unit);
					tr = el('tr', { 'data-benchmark': bm.benchmark, 'data-metric': m.metric });
					[bm.benchmark + (bm.same_environment ? '' : ' (different environments)'), m.metric,
						m.n_a, m.n_b, fmt(m.median_a, sc), fmt(m.median_b, sc),
						m.ratio === null ? '-' : m.ratio.toFixed(4),
						m.ci[0] === null ? '-' : '[' + m.ci[0].toFixed(4) + ', ' + m.ci[1].toFixed(4) + ']',
						m.p_value === null ? '-' : m.p_value.toPrecision(3)].forEach(function (v, i) {
						tr.appendChild(el('td', i > 1 ? { 'class': 'num' } : {}, v));
					});
					table.appendChild(tr);
					rows++;
				});
			});
			setStatus({ ready: 1, rows: rows });
		}).catch(function (e) { fail(e.message); });
	}

	/* ---- the static report: data inlined as #pw-data ---- */

	/*
	 * One section per benchmark: the first is the page's own (ids history,
	 * markers, noted, legend, commits; rows row-HASH), the others clones of it
	 * whose ids end in -K (rows row-K-HASH).
	 */
	function reportSections(n) {
		var first = document.getElementById('bench-0'), sections = [first], k;
		var blank = first.cloneNode(true);
		for (k = 1; k < n; k++) {
			var sec = blank.cloneNode(true);
			sec.id = 'bench-' + k;
			Array.prototype.forEach.call(sec.querySelectorAll('[id]'), function (e) { e.id += '-' + k; });
			first.parentNode.insertBefore(sec, sections[k - 1].nextSibling);
			sections.push(sec);
		}
		return sections;
	}

	function report() {
		var data = JSON.parse(document.getElementById('pw-data').textContent);
		var forge = data.forge_url, benches = data.benchmarks, total = { points: 0, markers: 0,
			inconclusive: 0, unchanged: 0, elsewhere: 0, commits: 0, changes: 0 };
		var sections = reportSections(benches.length), drawn = 0;
		var nav = document.getElementById('bench-nav'), ncommits = 0;
		document.getElementById('title').textContent = (benches.length === 1 ? benches[0].benchmark :
			benches.length + ' benchmarks') + ' (' + data.metric + ') in ' + (data.repo || 'every repository');
		benches.forEach(function (b, k) {
			var sec = sections[k], sfx = k ? '-' + k : '', rowId = k ? 'row-' + k + '-' : 'row-';
			var link = function (r) { return forge ? forge + '/commit/' + r.hash : '#' + rowId + r.hash; };
			var get = function (id) { return document.getElementById(id + sfx); };
			sec.setAttribute('data-benchmark', b.benchmark);
			sec.querySelector('.bench-name').textContent = b.benchmark;
			if (benches.length > 1) {
				nav.appendChild(el('a', { href: '#bench-' + k }, b.benchmark));
				nav.appendChild(document.createTextNode(' '));
			}
			var chart = drawHistory(get('history'), b.history, b.changes, {
				onClick: function (r) {
					var row = document.getElementById(rowId + r.hash);
					Array.prototype.forEach.call(document.querySelectorAll('tr.sel'), function (t) { t.className = ''; });
					if (row) {
						row.className = 'sel';
						row.scrollIntoView();
					}
				}
			});
			drawn = performance.now();
			markerLinks(get('markers'), chart.commits, link);
			markerLinks(get('noted'), chart.commits, link, true);
			legendText(get('legend'), b.history.metric);
			commitTable(get('commits'), chart.commits, chart.scale, null, chart.commits.length, rowId);
			/* where each slower commit's time went (stored profiles), with its flame graph */
			(b.explanations || []).forEach(function (doc) {
				if (typeof perfwardenExplainBox !== 'function')
					return;
				var box = perfwardenExplainBox(doc);
				sec.appendChild(box);
				perfwardenFlameBoxDraw(box);
				total.explained = (total.explained || 0) + 1;
			});
			ncommits += b.history.commits.length;
			total.points += chart.points;
			total.markers += chart.markers;
			total.inconclusive += chart.inconclusive;
			total.unchanged += chart.unchanged;
			total.elsewhere += chart.elsewhere;
			total.commits += chart.commits.length;
			total.changes += b.changes ? b.changes.changes.length : 0;
		});
		document.getElementById('generated').textContent = 'generated ' + data.generated + ', ' +
			(benches.length > 1 ? benches.length + ' benchmarks, ' : '') + ncommits + ' commits, ' +
			(benches.length ? benches[0].history.order : '') + ' order';
		total.ready = 1;
		total.benchmarks = benches.length;
		total.chart_ms = Math.round(drawn - started);
		setStatus(total);
	}

	window.perfwarden = { ready: 0 };
	window.perfwardenPage = function (name) {
		started = performance.now();
		try {
			({ dashboard: dashboard, commit: commitPage, compare: comparePage, report: report })[name]();
		} catch (e) {
			fail(String(e && e.message ? e.message : e));
		}
	};
})();
