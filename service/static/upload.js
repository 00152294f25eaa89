// The upload form: a file from the picker or dropped on the zone (name and size shown, a
// local preview), whom to judge (automatic, by rank, or a region marked on the preview),
// whether to keep the video.

import { formatBytes } from './api.js';

// A marked person's region: about a head and shoulders in a two-by-two gallery.
const MARK_W = 0.3;
const MARK_H = 0.4;

const $ = (id) => document.getElementById(id);

function clamp01(value) {
  return Math.min(Math.max(value, 0), 1);
}

function round3(value) {
  return Math.round(value * 1000) / 1000;
}

// "x,y,w,h" as numbers inside the picture, or null.
export function parseRegion(text) {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length !== 4 || parts.some((p) => !/^\d*\.?\d+$/.test(p))) {
    return null;
  }
  const [x, y, w, h] = parts.map(Number);
  const inside = w > 0 && h > 0 && x + w <= 1.0001 && y + h <= 1.0001;
  return inside ? [x, y, w, h] : null;
}

export class UploadForm {
  constructor() {
    this.file = null;
    this.previewUrl = null;
    this.input = $('file');
    this.zone = $('dropzone');
    this.preview = $('preview');
    this.participant = $('participant');
    this.region = $('region');
    this.input.addEventListener('change', () => this.choose(this.input.files[0] || null));
    this.participant.addEventListener('change', () => this.showRegion());
    // The first frames are often black (a camera starting); a second in shows the people.
    this.preview.addEventListener('loadedmetadata', () => {
      this.preview.currentTime = Math.min(1, this.preview.duration / 2 || 0);
    });
    this.preview.addEventListener('seeked', () => this.showPreview());
    this.preview.addEventListener('error', () => this.hidePreview());
    this.preview.addEventListener('click', (event) => this.mark(event));
    this.wireDrop();
  }

  wireDrop() {
    // A file dropped beside the zone must not replace the page with the file.
    window.addEventListener('dragover', (event) => event.preventDefault());
    window.addEventListener('drop', (event) => event.preventDefault());
    ['dragenter', 'dragover'].forEach((type) =>
      this.zone.addEventListener(type, (event) => {
        event.preventDefault();
        this.zone.classList.add('dragging');
      }),
    );
    ['dragleave', 'drop'].forEach((type) =>
      this.zone.addEventListener(type, () => this.zone.classList.remove('dragging')),
    );
    this.zone.addEventListener('drop', (event) => {
      event.preventDefault();
      const file = event.dataTransfer && event.dataTransfer.files[0];
      if (file) {
        this.choose(file);
      }
    });
  }

  choose(file) {
    this.file = file;
    this.hidePreview();
    $('file-info').textContent = file ? `${file.name}, ${formatBytes(file.size)}` : '';
    this.zone.classList.toggle('chosen', Boolean(file));
    if (file) {
      this.previewUrl = URL.createObjectURL(file);
      this.preview.src = this.previewUrl;
    }
  }

  showPreview() {
    $('preview-wrap').hidden = false;
    this.showRegion();
  }

  hidePreview() {
    $('preview-wrap').hidden = true;
    $('preview-box').hidden = true;
    if (this.previewUrl) {
      this.preview.removeAttribute('src');
      URL.revokeObjectURL(this.previewUrl);
      this.previewUrl = null;
    }
  }

  showRegion() {
    const marking = this.participant.value === 'box';
    $('region-wrap').hidden = !marking;
    $('preview-hint').hidden = !marking;
    this.preview.classList.toggle('marking', marking);
    $('preview-box').hidden = !marking || !parseRegion(this.region.value);
  }

  // A click on the preview marks a head-and-shoulders region around it.
  mark(event) {
    if (this.participant.value !== 'box' || !this.preview.videoWidth) {
      return;
    }
    const box = this.preview.getBoundingClientRect();
    // The picture is letterboxed inside the element (object-fit: contain).
    const scale = Math.min(box.width / this.preview.videoWidth, box.height / this.preview.videoHeight);
    const shownW = this.preview.videoWidth * scale;
    const shownH = this.preview.videoHeight * scale;
    const cx = clamp01((event.clientX - box.left - (box.width - shownW) / 2) / shownW);
    const cy = clamp01((event.clientY - box.top - (box.height - shownH) / 2) / shownH);
    const x = clamp01(cx - MARK_W / 2 + Math.max(0, cx + MARK_W / 2 - 1));
    const y = clamp01(cy - MARK_H / 2 + Math.max(0, cy + MARK_H / 2 - 1));
    this.region.value = [x, y, Math.min(MARK_W, 1 - x), Math.min(MARK_H, 1 - y)].map(round3).join(',');
    this.drawMark([box, shownW, shownH]);
  }

  drawMark([box, shownW, shownH]) {
    const [x, y, w, h] = parseRegion(this.region.value);
    const mark = $('preview-box');
    mark.style.left = `${(box.width - shownW) / 2 + x * shownW}px`;
    mark.style.top = `${(box.height - shownH) / 2 + y * shownH}px`;
    mark.style.width = `${w * shownW}px`;
    mark.style.height = `${h * shownH}px`;
    mark.hidden = false;
  }

  // The form to send, or an error {title, detail} saying what to fix.
  formData(maxBytes) {
    if (!this.file) {
      return { error: { title: 'Choose a recording first.', detail: 'Drop a video file on the box, or use "choose a file".' } };
    }
    if (maxBytes && this.file.size > maxBytes) {
      return {
        error: {
          title: `"${this.file.name}" is too large for this server.`,
          detail: `It is ${formatBytes(this.file.size)}; this server accepts recordings up to ${formatBytes(maxBytes)}.`,
        },
      };
    }
    let participant = this.participant.value;
    if (participant === 'box') {
      const region = parseRegion(this.region.value);
      if (!region) {
        return {
          error: {
            title: 'The region of the person to judge is not valid.',
            detail: 'Give four numbers between 0 and 1, x,y,width,height, inside the picture, or click on the person in the preview.',
          },
        };
      }
      participant = region.join(',');
    }
    const form = new FormData();
    form.append('participant', participant);
    form.append('keep_video', $('keep-video').checked ? 'true' : 'false');
    form.append('video', this.file, this.file.name);
    const transcript = $('transcript-file').files[0];
    if (transcript) {
      form.append('transcript', transcript, transcript.name);
    }
    const speaker = $('interviewer-speaker').value.trim();
    if (speaker) {
      form.append('interviewer_speaker', speaker);
    }
    return { form, file: this.file };
  }

  // Ready for the next recording: whom to judge is chosen anew, keeping the video is not.
  reset() {
    this.input.value = '';
    this.participant.value = 'auto';
    this.region.value = '';
    $('transcript-file').value = '';
    $('interviewer-speaker').value = '';
    this.showRegion();
    this.choose(null);
  }
}
