// VirtualList renders only the rows of a long list that are on screen (plus a
// small overscan), so a channel with tens of thousands of loaded messages costs
// the same to scroll as one with fifty. Rows may have any height: each row's
// height is measured once it has been rendered and cached by key; rows never
// rendered use an estimate. Space for the rows that are not rendered is kept
// with padding on the list element, so the scrollbar stays truthful.
//
// The list is anchored: while the view is at the bottom it stays at the bottom
// as rows arrive (chat behaviour); otherwise the first visible row keeps its
// position on screen when rows are added above it (older history loading).

const OVERSCAN_PX = 600;

export class VirtualList {
  /**
   * @param {object} opts
   * @param {HTMLElement} opts.scroller the scrolling element
   * @param {HTMLElement} opts.list the element holding the rows (role=list)
   * @param {(item: any, index: number, items: any[]) => string} opts.key
   *   returns the identity of a row; must change when the row must be rebuilt
   * @param {(item: any, index: number, items: any[]) => HTMLElement} opts.render
   * @param {(item: any, index: number, items: any[]) => number} opts.estimate
   * @param {() => void} [opts.onNearTop] called when the view is near the oldest row
   * @param {(atBottom: boolean) => void} [opts.onBottomChange]
   */
  constructor({ scroller, list, key, render, estimate, onNearTop, onBottomChange }) {
    this.scroller = scroller;
    this.list = list;
    this.keyOf = key;
    this.renderRow = render;
    this.estimate = estimate;
    this.onNearTop = onNearTop || (() => {});
    this.onBottomChange = onBottomChange || (() => {});
    this.items = [];
    this.heights = new Map(); // row key -> measured height in px
    this.offsets = new Float64Array(1);
    this.keys = [];
    this.index = new Map();
    this.keysFor = null;
    this.keysStale = true;
    this.dirty = true;
    this.rendered = new Map(); // row key -> element currently in the DOM
    this.atBottom = true;
    this.anchor = null; // {key, delta}: the first visible row and its distance from the top of the view
    this.frame = 0;
    this.start = 0;
    this.end = 0;
    this.onScroll = () => {
      this.captureAnchor();
      this.schedule();
    };
    scroller.addEventListener('scroll', this.onScroll, { passive: true });
    this.resizeObserver = new ResizeObserver(() => this.schedule());
    this.resizeObserver.observe(scroller);
  }

  destroy() {
    this.scroller.removeEventListener('scroll', this.onScroll);
    this.resizeObserver.disconnect();
    cancelAnimationFrame(this.frame);
  }

  /** setItems replaces the rows (same array identity is fine) and re-renders. */
  setItems(items, { stickToBottom = false } = {}) {
    this.items = items;
    this.dirty = true;
    this.keysStale = true;
    if (stickToBottom) {
      this.atBottom = true;
      this.anchor = null;
    }
    this.schedule();
  }

  /** invalidate forgets a row's measured height (its content changed). */
  invalidate(key) {
    this.heights.delete(key);
    this.keysStale = true;
    const el = this.rendered.get(key);
    if (el) {
      el.remove();
      this.rendered.delete(key);
    }
    this.dirty = true;
    this.schedule();
  }

  scrollToBottom() {
    const was = this.atBottom;
    this.atBottom = true;
    this.anchor = null;
    this.renderNow();
    if (!was) this.onBottomChange(true);
  }

  /**
   * scrollToIndex brings row i into view, a third of the way down, and
   * leaves the bottom (new rows no longer pull the view down).
   */
  scrollToIndex(i) {
    if (this.dirty) this.computeOffsets();
    if (i < 0 || i >= this.items.length) return;
    const was = this.atBottom;
    this.atBottom = false;
    this.anchor = { key: this.keys[i], delta: Math.round(this.scroller.clientHeight / 3) };
    this.renderNow();
    if (was) this.onBottomChange(false);
  }

  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.renderNow();
    });
  }

  heightOf(i) {
    const h = this.heights.get(this.keys[i]);
    return h === undefined ? this.estimate(this.items[i], i, this.items) : h;
  }

  // computeOffsets recomputes, after the rows changed, each row's key, the
  // key -> index map and the prefix sums of heights: O(rows), done once per
  // change rather than per scroll.
  computeOffsets() {
    const n = this.items.length;
    if (this.offsets.length < n + 1) this.offsets = new Float64Array(Math.max(n + 1, this.offsets.length * 2));
    if (this.keysFor !== this.items || this.keys.length !== n || this.keysStale) {
      this.keys = new Array(n);
      this.index = new Map();
      for (let i = 0; i < n; i++) {
        const k = this.keyOf(this.items[i], i, this.items);
        this.keys[i] = k;
        this.index.set(k, i);
      }
      this.keysFor = this.items;
      this.keysStale = false;
    }
    let acc = 0;
    this.offsets[0] = 0;
    for (let i = 0; i < n; i++) {
      acc += this.heightOf(i);
      this.offsets[i + 1] = acc;
    }
    this.dirty = false;
  }

  // indexAt returns the row that covers pixel y (binary search over offsets).
  indexAt(y) {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.offsets[mid + 1] <= y) lo = mid + 1;
      else hi = mid;
    }
    return Math.min(lo, Math.max(0, this.items.length - 1));
  }

  // listTop is the distance from the scroller's content top to the list's.
  listTop() {
    return this.list.offsetTop;
  }

  captureAnchor() {
    const s = this.scroller;
    const wasBottom = this.atBottom;
    this.atBottom = s.scrollHeight - s.scrollTop - s.clientHeight < 2;
    if (wasBottom !== this.atBottom) this.onBottomChange(this.atBottom);
    if (this.dirty) this.computeOffsets();
    if (this.items.length === 0) {
      this.anchor = null;
      return;
    }
    const y = s.scrollTop - this.listTop();
    const i = this.indexAt(Math.max(0, y));
    this.anchor = { key: this.keys[i], delta: this.offsets[i] - y };
  }

  renderNow() {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    // The view moved since the last render and its scroll event has not been
    // handled yet: anchor to where it is now, not where it was.
    if (this.lastScrollTop !== undefined && this.scroller.scrollTop !== this.lastScrollTop && !this.dirty) this.captureAnchor();
    for (let pass = 0; pass < 4; pass++) {
      if (!this.renderPass()) break;
    }
    const s = this.scroller;
    this.lastScrollTop = s.scrollTop;
    if (s.scrollTop < 300 && this.items.length > 0) this.onNearTop();
  }

  // renderPass lays out the visible rows once; it returns true when measuring
  // changed a height and another pass is needed.
  renderPass() {
    const s = this.scroller;
    const n = this.items.length;
    if (this.dirty) this.computeOffsets();
    const total = this.offsets[n];
    const top = this.listTop();

    // Decide where the view should be, before choosing rows.
    let target;
    if (this.atBottom) {
      target = Math.max(0, top + total + this.bottomExtra() - s.clientHeight);
    } else if (this.anchor) {
      const i = this.findKey(this.anchor.key);
      target = i >= 0 ? top + this.offsets[i] - this.anchor.delta : s.scrollTop;
    } else {
      target = s.scrollTop;
    }
    const viewTop = Math.max(0, target - top);
    const viewBottom = viewTop + s.clientHeight;
    let start = n ? this.indexAt(Math.max(0, viewTop - OVERSCAN_PX)) : 0;
    let end = n ? this.indexAt(viewBottom + OVERSCAN_PX) + 1 : 0;
    this.start = start;
    this.end = end;

    // Reconcile the DOM: keep rows whose key is unchanged, build the others.
    const keep = new Map();
    const frag = [];
    for (let i = start; i < end; i++) {
      const item = this.items[i];
      const k = this.keys[i];
      let el = this.rendered.get(k);
      if (!el) {
        el = this.renderRow(item, i, this.items);
        el.dataset.key = k;
      }
      el.setAttribute('aria-posinset', String(i + 1));
      el.setAttribute('aria-setsize', String(n));
      keep.set(k, el);
      frag.push(el);
    }
    for (const [k, el] of this.rendered) if (!keep.has(k)) el.remove();
    this.rendered = keep;
    // Insert in order, touching only rows that are out of place.
    let prev = null;
    for (const el of frag) {
      const expected = prev ? prev.nextSibling : this.list.firstChild;
      if (expected !== el) this.list.insertBefore(el, expected);
      prev = el;
    }
    this.list.style.paddingTop = this.offsets[start] + 'px';
    this.list.style.paddingBottom = total - this.offsets[end] + 'px';

    // Measure what was rendered.
    let changed = false;
    for (let i = start; i < end; i++) {
      const k = this.keys[i];
      const h = this.rendered.get(k).offsetHeight;
      if (this.heights.get(k) !== h) {
        const before = this.heightOf(i);
        this.heights.set(k, h);
        if (before !== h) changed = true;
      }
    }
    if (changed) this.computeOffsets();

    // Put the view where it belongs now that heights are known.
    const newTotal = this.offsets[n];
    if (changed) this.list.style.paddingBottom = newTotal - this.offsets[end] + 'px';
    if (this.atBottom) {
      s.scrollTop = s.scrollHeight;
    } else if (this.anchor) {
      const i = this.findKey(this.anchor.key);
      if (i >= 0) s.scrollTop = top + this.offsets[i] - this.anchor.delta;
    }
    return changed;
  }

  bottomExtra() {
    return this.scroller.scrollHeight - this.listTop() - this.list.offsetHeight;
  }

  findKey(key) {
    if (this.dirty) this.computeOffsets();
    const i = this.index.get(key);
    return i === undefined ? -1 : i;
  }
}
