import assert from 'node:assert/strict';
import { test } from 'node:test';
import { anthropicImageMediaType } from './image-media-type.js';

const base64 = (bytes: string): string => Buffer.from(bytes, 'latin1').toString('base64');

test('anthropicImageMediaType: the bytes name the format when they are one of the four, else the label (lower-cased, jpg as jpeg)', () => {
  assert.equal(anthropicImageMediaType('image/png', base64('RIFF\x10\x00\x00\x00WEBPVP8 ')), 'image/webp');
  assert.equal(anthropicImageMediaType('image/jpeg', base64('GIF89a\x01\x00')), 'image/gif');
  assert.equal(anthropicImageMediaType('image/gif', base64('\x89PNG\r\n\x1a\n')), 'image/png');
  assert.equal(anthropicImageMediaType('image/png', base64('\xff\xd8\xff\xe0')), 'image/jpeg');
  // A RIFF file that is not WebP (a WAV) keeps its label, as does data of no known format.
  assert.equal(anthropicImageMediaType('image/webp', base64('RIFF\x10\x00\x00\x00WAVEfmt ')), 'image/webp');
  assert.equal(anthropicImageMediaType('Image/JPG', 'QUJD'), 'image/jpeg');
  assert.equal(anthropicImageMediaType('image/heic', 'QUJD'), 'image/heic');
});
