import { claimsAccountName, thumbnailFileName } from '../../../src/m365/sharePointAccount';

describe('SharePoint account names', () => {
  it('names thumbnails after the UPN with @ and dots replaced by underscores', () => {
    expect(thumbnailFileName('Adele.Vance@contoso.onmicrosoft.com', 'M')).toBe(
      'adele_vance_contoso_onmicrosoft_com_MThumb.jpg',
    );
    expect(thumbnailFileName('x@y.z', 'S')).toBe('x_y_z_SThumb.jpg');
    expect(thumbnailFileName('x@y.z', 'L')).toBe('x_y_z_LThumb.jpg');
  });

  it('claims-encodes the login for the user profile service', () => {
    expect(claimsAccountName('adele@contoso.com')).toBe('i:0#.f|membership|adele@contoso.com');
  });
});
