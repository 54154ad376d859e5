/*
 * perfwarden's differential flame graph, drawn with the vendored d3-flame-graph
 * (npm, compiled into the assets at build time; no network). The tree is
 * explain_flame_json()'s: the culprit's call tree, each frame with its change
 * against the baseline's same call path. Grown frames are red, shrunk ones
 * blue, new ones (all of their cost is new) orange, unchanged ones grey.
 */
function perfwardenFlameColor(delta, value) {
	if (!delta)
		return 'rgb(220,220,220)';
	if (value && delta === value)
		return 'rgb(255,160,40)';
	var v = Math.min(1, Math.abs(delta) / Math.max(value, Math.abs(delta)));
	var c = Math.round(235 * (1 - v));
	return delta > 0 ? 'rgb(235,' + c + ',' + c + ')' : 'rgb(' + c + ',' + c + ',235)';
}

/* Draw `tree` into element `el`; returns the number of frames drawn (0: none). */
function perfwardenFlame(el, tree) {
	el.textContent = '';
	if (!tree) {
		el.textContent = 'no flame graph: a side has no time profile';
		return 0;
	}
	if (typeof flamegraph !== 'function' || typeof d3 === 'undefined') {
		el.textContent = 'no flame graph: this perfwarden was built without d3-flame-graph ' +
			'(ci/setup installs it with npm)';
		return 0;
	}
	var fmt = function (n) { return Number(n).toLocaleString('en-US'); };
	var chart = flamegraph()
		.width(Math.max(600, el.clientWidth || 960))
		.cellHeight(18)
		.transitionDuration(0)
		.minFrameSize(1)
		.sort(true)
		.title('')
		.setColorMapper(function (d) {
			return perfwardenFlameColor(d.data.delta || 0, d.data.value || 0);
		})
		.setLabelHandler(function (d) {
			var delta = d.data.delta || 0;
			return d.data.name + ': ' + fmt(d.data.value) + ' (' + (delta > 0 ? '+' : '') +
				fmt(delta) + ' against the baseline)';
		});
	d3.select(el).datum(tree).call(chart);
	/*
	 * The library animates each frame to its width; a page printed or captured
	 * at once (a CI artifact, a screenshot) may get no animation frame, so the
	 * final widths, which each frame's group already carries, are set now.
	 */
	el.querySelectorAll('g.frame').forEach(function (g) {
		var w = g.getAttribute('width');
		g.querySelectorAll('rect, foreignObject').forEach(function (r) {
			r.setAttribute('width', w);
		});
	});
	return el.querySelectorAll('rect').length;
}

/*
 * One explanation (`explain --json`'s document with its flame tree) as a box
 * for the dashboard's commit page and the report: the headline, the top
 * functions and lines, and the flame graph. Returns the element; the flame
 * graph is drawn once the element is in the page (perfwardenFlameBoxDraw).
 */
function perfwardenExplainBox(doc) {
	var box = document.createElement('section');
	box.className = 'run explain';
	box.setAttribute('data-benchmark', doc.benchmark);
	box.setAttribute('data-commit', doc.commit || doc.culprit.commit);
	var h = document.createElement('h3');
	h.textContent = 'where ' + doc.benchmark + ' went against ' + doc.baseline.short;
	box.appendChild(h);
	var p = document.createElement('p');
	p.className = 'headline';
	p.textContent = doc.headline || 'no profile could explain it';
	box.appendChild(p);
	var fmt = function (n) { return Number(n).toLocaleString('en-US'); };
	var pct = function (x) { return (100 * x).toFixed(1) + '%'; };
	var table = function (cls, head, rows) {
		var t = document.createElement('table');
		t.className = cls;
		[head].concat(rows).forEach(function (cells, i) {
			var tr = document.createElement('tr');
			cells.forEach(function (c) {
				var td = document.createElement(i ? 'td' : 'th');
				td.textContent = c;
				tr.appendChild(td);
			});
			t.appendChild(tr);
		});
		box.appendChild(t);
	};
	table('functions', ['function', 'self before', 'self after', 'share of the change'],
		(doc.functions || []).slice(0, 5).map(function (f) {
			return [f.name, fmt(f.self[0]), fmt(f.self[1]), pct(f.share)];
		}));
	if ((doc.lines || []).length)
		table('lines', ['line', 'source', 'share of the change'],
			doc.lines.slice(0, 5).map(function (l) {
				return [l.file + ':' + (l.line || l.baseline_line), l.text || '', pct(l.share)];
			}));
	if (doc.memory && doc.memory.sites.length)
		table('sites', ['allocation site', 'bytes before', 'after', 'share of the change'],
			doc.memory.sites.slice(0, 5).map(function (x) {
				return [x['function'] + (x.file ? ' ' + x.file + ':' + (x.line || x.baseline_line) : ''),
					fmt(x.bytes[0]), fmt(x.bytes[1]), pct(x.share)];
			}));
	var legend = document.createElement('p');
	legend.className = 'muted';
	legend.textContent = 'differential flame graph of the culprit\'s calls (width: instructions): ' +
		'red grew, blue shrank, orange new, grey unchanged';
	box.appendChild(legend);
	var f = document.createElement('div');
	f.className = 'flame';
	box.appendChild(f);
	box.perfwardenFlameTree = doc.flame;
	return box;
}

/* Draw the flame graph of a box made by perfwardenExplainBox, once it is in the page. */
function perfwardenFlameBoxDraw(box) {
	var n = perfwardenFlame(box.querySelector('.flame'), box.perfwardenFlameTree);
	box.setAttribute('data-frames', String(n));
	return n;
}
