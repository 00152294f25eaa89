// The report view: the server's report fragment (headline, figures, chart, advice, events),
// the kept video behind a short-lived link, clicks that seek it, and the downloads.

import { download, getJson, request } from './api.js';

function baseName(filename) {
  return filename.replace(/\.[^.]*$/, '') || 'analysis';
}

export class Report {
  constructor() {
    this.section = document.getElementById('report-view');
    this.body = document.getElementById('report-body');
    this.wrap = document.getElementById('player-wrap');
    this.player = document.getElementById('player');
    this.noVideo = document.getElementById('no-video');
    this.analysis = null;
    this.player.addEventListener('timeupdate', () => this.moveHead(this.player.currentTime * 1000));
    this.player.addEventListener('error', () => this.playerFailed());
  }

  // Shows a succeeded analysis; rejects with an ApiError when its parts cannot be fetched.
  async show(analysis) {
    this.clear();
    this.analysis = analysis;
    document.getElementById('report-name').textContent = analysis.filename;
    const html = await (await request(`/ui/analyses/${encodeURIComponent(analysis.id)}/report`)).text();
    this.body.innerHTML = html; // built by the server from pipeline.outputs.report, every value escaped
    const slot = document.getElementById('player-slot');
    slot.append(this.wrap, this.noVideo);
    const kept = analysis.video_retained && analysis.options.keep_video;
    this.wrap.hidden = !kept;
    this.noVideo.hidden = kept;
    if (kept) {
      await this.loadVideo();
    }
    this.wireSeeking(kept);
  }

  // Takes the player out of the old fragment and lets go of its video.
  clear() {
    this.analysis = null;
    this.renewed = false;
    document.getElementById('cannot-play').hidden = true;
    this.section.insertBefore(this.noVideo, document.getElementById('downloads-heading'));
    this.section.insertBefore(this.wrap, this.noVideo);
    this.player.pause();
    this.player.removeAttribute('src');
    this.player.load();
    this.body.replaceChildren();
  }

  async loadVideo() {
    const link = await getJson(`/v1/analyses/${encodeURIComponent(this.analysis.id)}/video-link`);
    this.player.src = link.url;
  }

  // The first failure may be a link that expired while the page stayed open: fetch a new
  // one and keep the position. A second one is a format this browser cannot play.
  async playerFailed() {
    if (!this.analysis || !this.player.getAttribute('src')) {
      return;
    }
    if (this.renewed) {
      document.getElementById('cannot-play').hidden = false;
      return;
    }
    this.renewed = true;
    const at = this.player.currentTime;
    try {
      await this.loadVideo();
      this.player.currentTime = at;
    } catch {
      // The video was deleted meanwhile; the player shows its own error.
    }
  }

  wireSeeking(kept) {
    const verb = kept ? 'Play from' : 'At';
    this.body.querySelectorAll('tr.seek, li.seek').forEach((row) => {
      const time = row.querySelector('button.time');
      const what = row.matches('tr') ? row.cells[1].textContent : row.querySelector('b').textContent;
      time.setAttribute('aria-label', `${verb} ${time.textContent}: ${what}`);
    });
    this.body.querySelectorAll('[data-ms]').forEach((node) => {
      node.addEventListener('click', (event) => {
        event.stopPropagation();
        this.seek(Number(node.dataset.ms));
      });
    });
    const svg = this.body.querySelector('#timeline');
    if (svg) {
      svg.addEventListener('click', (event) => this.seekToClick(svg, event));
    }
  }

  seekToClick(svg, event) {
    const left = Number(svg.dataset.left);
    const width = Number(svg.dataset.width);
    const box = svg.getBoundingClientRect();
    const x = ((event.clientX - box.left) * svg.viewBox.baseVal.width) / box.width;
    if (x >= left && x <= left + width) {
      this.seek(((x - left) / width) * Number(svg.dataset.duration));
    }
  }

  seek(ms) {
    this.moveHead(ms);
    if (this.wrap.hidden) {
      return;
    }
    this.player.currentTime = ms / 1000;
    this.wrap.scrollIntoView({ block: 'nearest' });
  }

  moveHead(ms) {
    const svg = this.body.querySelector('#timeline');
    const head = this.body.querySelector('#playhead');
    if (!svg || !head) {
      return;
    }
    const share = Math.min(Math.max(ms / Number(svg.dataset.duration), 0), 1);
    const x = Number(svg.dataset.left) + Number(svg.dataset.width) * share;
    head.setAttribute('x1', x);
    head.setAttribute('x2', x);
  }

  async download(part) {
    const { id, filename } = this.analysis;
    const names = { 'frames.csv': `${baseName(filename)}-frames.csv`, result: `${baseName(filename)}-result.json` };
    await download(`/v1/analyses/${encodeURIComponent(id)}/${part}`, names[part]);
  }
}
