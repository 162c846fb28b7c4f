import { defaultSharePointCallCosts, sharePointCallCost } from '../../../src/m365/sharePointCallCost';

describe('sharePointCallCost', () => {
  const site = 'https://contoso-my.sharepoint.com/_api/web';

  it('charges writes, collection reads and single reads as the emulator does by default', () => {
    expect(defaultSharePointCallCosts).toEqual({ read: 2, list: 3, write: 4 });
    const upload = `${site}/GetFolderByServerRelativePath(decodedurl='/User%20Photos/P')/Files/AddUsingPath(decodedurl='a.jpg',overwrite=true)`;
    expect(sharePointCallCost({ method: 'POST', url: upload })).toBe(4);
    expect(
      sharePointCallCost({
        method: 'GET',
        url: `${site}/GetFolderByServerRelativePath(decodedurl='/User%20Photos')/Folders?$select=Name`,
      }),
    ).toBe(3);
    expect(
      sharePointCallCost({ method: 'GET', url: `${site}/GetFileByServerRelativePath(decodedurl='/x.jpg')/$value` }),
    ).toBe(2);
  });

  it('uses the costs it is given', () => {
    expect(sharePointCallCost({ method: 'DELETE', url: `${site}/x` }, { read: 1, list: 1, write: 9 })).toBe(9);
  });
});
