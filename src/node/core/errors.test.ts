import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Errors, errorDef } from './errors.ts';

describe('error catalogue', () => {
  it('has unique codes', () => {
    const codes = Object.values(Errors).map((e) => e.code);
    assert.equal(new Set(codes).size, codes.length);
  });

  it("maps API errors to the statuses of Centrifugo's transport error mode", () => {
    const table: Array<[number, number, number]> = [
      [100, 500, 13],
      [102, 404, 5],
      [104, 404, 5],
      [107, 400, 3],
      [108, 400, 3],
      [111, 500, 13],
      [112, 416, 11],
      [113, 409, 6],
    ];
    for (const [code, http, grpc] of table) {
      assert.equal(errorDef(code).httpStatus, http, `http of ${code}`);
      assert.equal(errorDef(code).grpcStatus, grpc, `grpc of ${code}`);
    }
  });

  it('falls back to 500/Internal for codes it does not know', () => {
    assert.equal(errorDef(999).httpStatus, 500);
    assert.equal(errorDef(999).grpcStatus, 13);
  });

  it('marks internal errors temporary and request errors not', () => {
    assert.equal(Errors.internal.temporary, true);
    assert.equal(Errors.badRequest.temporary, false);
  });
});
