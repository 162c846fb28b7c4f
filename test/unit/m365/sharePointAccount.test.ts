import {
  claimsAccountName,
  fileUrl,
  hasUnambiguousConventionalName,
  thumbnailFileName,
} from '../../../src/m365/sharePointAccount';

describe('SharePoint thumbnail names', () => {
  it("keep SharePoint's own convention where it names one person only", () => {
    expect(thumbnailFileName('Adele.Vance@contoso.com', 'M')).toBe('adele_vance_contoso_com_MThumb.jpg');
    expect(thumbnailFileName('x@y.z', 'S')).toBe('x_y_z_SThumb.jpg');
    expect(thumbnailFileName('x@y.z', 'L')).toBe('x_y_z_LThumb.jpg');
  });

  it('never give two people one name: a.b and a_b, or a.b@c.com and a@b.c.com', () => {
    const colliding = ['a.b@contoso.com', 'a_b@contoso.com', 'a@b.contoso.com', 'a.b@contoso_com.org'];
    const names = colliding.map((upn) => thumbnailFileName(upn, 'M'));
    expect(new Set(names).size).toBe(colliding.length);
    expect(names[0]).toBe('a_b_contoso_com_MThumb.jpg');
    expect(names[1]).toMatch(/^a_b_contoso_com\.[0-9a-f]{16}_MThumb\.jpg$/);
    expect(names[2]).toMatch(/^a_b_contoso_com\.[0-9a-f]{16}_MThumb\.jpg$/);
    // The same person always gets the same name, whatever the case of their UPN.
    expect(thumbnailFileName('A_B@Contoso.com', 'M')).toBe(names[1]);
  });

  it('are unique over many UPNs that the convention maps together', () => {
    const upns: string[] = [];
    for (const local of ['a.b.c', 'a_b.c', 'a.b_c', 'a_b_c', 'a.b', 'a_b', 'a']) {
      for (const domain of ['c.com', 'b.c.com', 'c_com.org', 'onmicrosoft.com', 'contoso.onmicrosoft.com']) {
        upns.push(`${local}@${domain}`);
      }
    }
    const names = new Set(upns.map((upn) => thumbnailFileName(upn, 'S')));
    expect(names.size).toBe(upns.length);
  });

  it("hash a guest's #EXT# UPN and keep the size suffix SharePoint swaps to find the other sizes", () => {
    const guest = 'jane_fabrikam.com#EXT#@contoso.onmicrosoft.com';
    expect(hasUnambiguousConventionalName(guest)).toBe(false);
    const medium = thumbnailFileName(guest, 'M');
    expect(medium).toMatch(/^jane_fabrikam_com#ext#_contoso_onmicrosoft_com\.[0-9a-f]{16}_MThumb\.jpg$/);
    expect(medium.replace('_MThumb', '_SThumb')).toBe(thumbnailFileName(guest, 'S'));
  });
});

describe('file URLs', () => {
  it('percent-encode every segment, so # and spaces survive', () => {
    expect(
      fileUrl('https://contoso-my.sharepoint.com', '/User Photos/Profile Pictures', 'jane_x#ext#_y.0123_MThumb.jpg'),
    ).toBe('https://contoso-my.sharepoint.com/User%20Photos/Profile%20Pictures/jane_x%23ext%23_y.0123_MThumb.jpg');
    const url = new URL(fileUrl('https://h.example', '/User Photos/Images du profil', 'a#b_MThumb.jpg'));
    expect(url.hash).toBe('');
    expect(decodeURIComponent(url.pathname)).toBe('/User Photos/Images du profil/a#b_MThumb.jpg');
  });
});

describe('SharePoint account names', () => {
  it('claims-encodes the login for the user profile service', () => {
    expect(claimsAccountName('adele@contoso.com')).toBe('i:0#.f|membership|adele@contoso.com');
  });
});
