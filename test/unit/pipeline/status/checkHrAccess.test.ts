import { checkHrAccess } from '../../../../src/pipeline/status/checkHrAccess';

const hrGroupId = '6f2c7a1e-0b1d-4c55-9a8e-2b1f0c3d4e5f';

function principal(claims: { typ: string; val: string }[]): string {
  return Buffer.from(JSON.stringify({ auth_typ: 'aad', name_typ: 'name', claims }), 'utf8').toString('base64');
}

describe('checkHrAccess with Easy Auth', () => {
  const options = { auth: 'easyauth' as const, hrGroupId };

  it('lets in a signed-in member of the HR group and names them', () => {
    const header = principal([
      { typ: 'preferred_username', val: 'diego.siciliani@contoso.com' },
      { typ: 'groups', val: 'aaaaaaaa-0000-0000-0000-000000000000' },
      { typ: 'groups', val: hrGroupId.toUpperCase() },
    ]);
    expect(checkHrAccess({ principal: header, hostname: 'photos.azurewebsites.net' }, options)).toEqual({
      allowed: true,
      who: 'diego.siciliani@contoso.com',
    });
  });

  it('refuses a signed-in person outside the HR group with 403', () => {
    const header = principal([
      { typ: 'preferred_username', val: 'alex.wilber@contoso.com' },
      { typ: 'groups', val: 'aaaaaaaa-0000-0000-0000-000000000000' },
    ]);
    expect(checkHrAccess({ principal: header, hostname: 'photos.azurewebsites.net' }, options)).toMatchObject({
      allowed: false,
      status: 403,
      code: 'not-in-hr-group',
      message: 'alex.wilber@contoso.com is not in the HR group, so photo status is not shown.',
    });
  });

  it('refuses a request without the principal header, or with a garbled one, with 401', () => {
    for (const header of [null, 'not base64 json', Buffer.from('"just a string"').toString('base64')]) {
      expect(checkHrAccess({ principal: header, hostname: 'photos.azurewebsites.net' }, options)).toMatchObject({
        allowed: false,
        status: 401,
        code: 'sign-in-required',
      });
    }
  });

  it('says so when the token left the groups out (group overage) instead of letting the person in', () => {
    const header = principal([
      { typ: 'preferred_username', val: 'megan.bowen@contoso.com' },
      { typ: '_claim_names', val: '{"groups":"src1"}' },
    ]);
    const access = checkHrAccess({ principal: header, hostname: 'x' }, options);
    expect(access).toMatchObject({ allowed: false, status: 403, code: 'not-in-hr-group' });
    expect(!access.allowed && access.message).toContain('too many groups');
  });

  it('lets nobody in while HR_GROUP_ID is not set', () => {
    const header = principal([{ typ: 'groups', val: hrGroupId }]);
    expect(checkHrAccess({ principal: header, hostname: 'x' }, { auth: 'easyauth' })).toMatchObject({
      allowed: false,
      status: 403,
      code: 'hr-group-not-configured',
    });
  });

  it('ignores localhost as a host name when sign-in is required', () => {
    expect(checkHrAccess({ principal: null, hostname: 'localhost' }, options)).toMatchObject({ status: 401 });
  });
});

describe('checkHrAccess on a developer machine', () => {
  it('is open on loopback host names only', () => {
    for (const hostname of ['localhost', '127.0.0.1', '[::1]']) {
      expect(checkHrAccess({ principal: null, hostname }, { auth: 'localhost' })).toEqual({
        allowed: true,
        who: 'localhost',
      });
    }
    expect(checkHrAccess({ principal: null, hostname: '10.0.0.5' }, { auth: 'localhost' })).toMatchObject({
      allowed: false,
      status: 403,
      code: 'not-local',
    });
  });
});
