// The analyses made from this browser: their ids (and nothing else) in localStorage, their
// state fetched from the API, newest first, each with a confirmed delete.

import { ApiError, getJson, request } from './api.js';

const IDS_ITEM = 'cuewatch.analyses';
// Enough for a season of practice; older ids fall off the list (the analyses stay).
const MAX_IDS = 50;
const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const STATUS_WORDS = {
  queued: 'waiting',
  running: 'analysing',
  succeeded: 'done',
  failed: 'failed',
  canceled: 'canceled',
};

export function storedIds() {
  let ids = [];
  try {
    ids = JSON.parse(localStorage.getItem(IDS_ITEM) || '[]');
  } catch {
    ids = [];
  }
  return Array.isArray(ids) ? ids.filter((id) => ID_PATTERN.test(String(id))) : [];
}

function storeIds(ids) {
  localStorage.setItem(IDS_ITEM, JSON.stringify(ids.slice(0, MAX_IDS)));
}

export function rememberId(id) {
  storeIds([id, ...storedIds().filter((other) => other !== id)]);
}

export function forgetId(id) {
  storeIds(storedIds().filter((other) => other !== id));
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

function button(text, className, onClick, label) {
  const node = element('button', className, text);
  node.type = 'button';
  if (label) {
    node.setAttribute('aria-label', label);
  }
  node.addEventListener('click', onClick);
  return node;
}

async function lookUp(id) {
  try {
    return { id, analysis: await getJson(`/v1/analyses/${encodeURIComponent(id)}`) };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      return { id, gone: true };
    }
    throw error;
  }
}

function statusText(analysis) {
  const word = STATUS_WORDS[analysis.status] || analysis.status;
  if (analysis.status === 'running') {
    return `${word} ${Math.round(analysis.progress * 100)}%`;
  }
  return word;
}

export class History {
  constructor(actions) {
    // actions: deleted(id), error(ApiError)
    this.actions = actions;
    this.list = document.getElementById('history-list');
    this.empty = document.getElementById('history-empty');
    this.dialog = document.getElementById('confirm');
    this.timer = null;
  }

  // Fetches every remembered analysis and redraws the list; refreshes itself while any runs.
  async refresh() {
    clearTimeout(this.timer);
    const ids = storedIds();
    let entries;
    try {
      entries = await Promise.all(ids.map(lookUp));
    } catch (error) {
      this.actions.error(error);
      return;
    }
    this.draw(entries);
    if (entries.some((e) => e.analysis && !['succeeded', 'failed', 'canceled'].includes(e.analysis.status))) {
      this.timer = setTimeout(() => this.refresh(), 3000);
    }
  }

  draw(entries) {
    this.list.replaceChildren(...entries.map((entry) => this.item(entry)));
    this.empty.hidden = entries.length > 0;
  }

  item(entry) {
    const li = element('li', 'history-item');
    li.dataset.id = entry.id;
    if (entry.gone) {
      li.append(
        element('span', 'history-name', 'Analysis not found'),
        element('span', 'badge gone', 'gone'),
        element('span', 'history-when', 'deleted, expired, or made with another API key'),
        button('Remove from list', 'link-button', () => this.remove(entry.id), `Remove ${entry.id} from the list`),
      );
      return li;
    }
    const a = entry.analysis;
    const open = element('a', 'history-name', a.filename);
    open.href = `#/analyses/${a.id}`;
    const when = new Date(a.created_at);
    li.append(
      open,
      element('span', `badge ${a.status}`, statusText(a)),
      element('time', 'history-when', when.toLocaleString()),
      button('Delete', 'link-button danger-text', () => this.confirmDelete(a), `Delete ${a.filename}`),
    );
    li.querySelector('time').dateTime = a.created_at;
    return li;
  }

  // Shows a newer state of one listed analysis (the one the page is following).
  update(analysis) {
    const badge = this.list.querySelector(`li[data-id="${analysis.id}"] .badge`);
    if (badge) {
      badge.className = `badge ${analysis.status}`;
      badge.textContent = statusText(analysis);
    }
  }

  remove(id) {
    forgetId(id);
    this.refresh();
  }

  confirmDelete(analysis) {
    document.getElementById('confirm-text').textContent =
      `"${analysis.filename}", its video and every result made from it will be removed from ` +
      'the server. This cannot be undone.';
    this.dialog.returnValue = '';
    this.dialog.addEventListener(
      'close',
      () => {
        if (this.dialog.returnValue === 'delete') {
          this.delete(analysis.id);
        }
      },
      { once: true },
    );
    this.dialog.showModal();
  }

  async delete(id) {
    try {
      await request(`/v1/analyses/${encodeURIComponent(id)}`, { method: 'DELETE' });
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) {
        this.actions.error(error);
        return;
      }
    }
    forgetId(id);
    await this.refresh();
    this.actions.deleted(id);
    document.getElementById('history-heading').focus();
  }
}
